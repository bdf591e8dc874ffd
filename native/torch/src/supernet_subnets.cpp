// Supernet::trainSubnets: ENAS's shared-weight phase on the mobilenet supernet (the sub-networks a
// controller sampled, one SGD step each). Kept apart from supernet.cpp's once-for-all training.
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "gate.h"
#include "supernet.h"

namespace frontier {

SubnetStepsOutcome Supernet::trainSubnets(const Examples& data, const std::vector<ActiveNet>& nets, const SubnetStepsConfig& c, const std::function<bool()>& cancelled) {
  for (const auto& a : nets) check(a);
  SubnetStepsOutcome out;
  const int64_t n = data.y.size(0);
  const int64_t bs = std::min(c.batchSize, n);
  const int64_t perEpoch = std::max<int64_t>(1, n / bs);
  std::vector<torch::Tensor> params = parameters();
  if (!subnetOpt_) subnetOpt_ = std::make_unique<torch::optim::SGD>(params, torch::optim::SGDOptions(c.lr));
  auto& o = static_cast<torch::optim::SGDOptions&>(subnetOpt_->param_groups()[0].options());
  o.lr(c.lr).momentum(c.momentum).nesterov(c.momentum > 0).weight_decay(c.weightDecay);
  const uint64_t seedMix = c.seed * 0x9E3779B97F4A7C15ULL;
  torch::Tensor perm;
  int64_t permEpoch = -1;
  double lossSum = 0;
  for (size_t k = 0; k < nets.size(); ++k) {
    if (cancelled()) {
      out.cancelled = true;
      break;
    }
    const int64_t step = c.firstStep + static_cast<int64_t>(k);
    const int64_t epoch = step / perEpoch, b = step % perEpoch;
    if (epoch != permEpoch) {
      auto gen = at::detail::createCPUGenerator(seedMix + static_cast<uint64_t>(epoch) + 1);
      perm = torch::randperm(n, gen, torch::TensorOptions().dtype(torch::kInt64)).to(device_);
      permEpoch = epoch;
    }
    StepGuard guard;
    torch::Tensor idx = perm.narrow(0, b * bs, bs);
    for (auto& p : params) p.mutable_grad() = torch::Tensor();
    torch::Tensor loss = at::cross_entropy_loss(forward(data.x.index_select(0, idx), nets[k], true), data.y.index_select(0, idx));
    loss.backward();
    const double l = loss.item<double>();
    if (!std::isfinite(l)) {
      out.divergedAt = step;
      out.divergedLoss = std::isnan(l) ? "NaN" : (l > 0 ? "Infinity" : "-Infinity");
      break;
    }
    subnetOpt_->step();
    lossSum += l;
    ++out.steps;
  }
  for (auto& p : params) p.mutable_grad() = torch::Tensor();
  out.loss = out.steps > 0 ? lossSum / static_cast<double>(out.steps) : 0;
  return out;
}

}  // namespace frontier
