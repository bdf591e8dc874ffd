#include "trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <vector>

#include "gate.h"
#include "jobs.h"

#ifdef FRONTIER_WITH_CUDA
#include <c10/cuda/CUDAStream.h>
#endif

namespace frontier {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

torch::Tensor augment(torch::Tensor xb, const TrainConfig& c, std::mt19937_64& rng) {
  if (c.flip && (rng() & 1)) xb = xb.flip({3});
  if (c.shift > 0) {
    std::uniform_int_distribution<int64_t> d(-c.shift, c.shift);
    int64_t dy = d(rng), dx = d(rng);
    int64_t h = xb.size(2), w = xb.size(3);
    torch::Tensor padded = at::constant_pad_nd(xb, {c.shift, c.shift, c.shift, c.shift}, 0);
    xb = padded.narrow(2, c.shift + dy, h).narrow(3, c.shift + dx, w);
  }
  return xb;
}

}  // namespace

void synchronize(const torch::Device& d) {
#ifdef FRONTIER_WITH_CUDA
  if (d.is_cuda()) c10::cuda::getCurrentCUDAStream(d.index()).synchronize();  // this job's stream
#else
  (void)d;
#endif
}

EvalOutcome evaluateNet(GraphNet& net, const Examples& data, int64_t batchSize, const std::function<bool()>& cancelled) {
  c10::InferenceMode inference;
  int64_t n = data.y.size(0);
  if (n == 0) return {};
  torch::Tensor correct = torch::zeros({}, torch::TensorOptions().dtype(torch::kInt64).device(net.device()));
  torch::Tensor lossSum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(net.device()));
  for (int64_t i = 0; i < n; i += batchSize) {
    if (cancelled()) throw Cancelled();
    int64_t m = std::min(batchSize, n - i);
    StepGuard step;
    torch::Tensor logits = net.forward(data.x.narrow(0, i, m), false);
    torch::Tensor yb = data.y.narrow(0, i, m);
    correct += logits.argmax(1).eq(yb).sum();
    lossSum += at::cross_entropy_loss(logits, yb, {}, at::Reduction::Sum).to(torch::kFloat64);
  }
  return {static_cast<double>(correct.item<int64_t>()) / n, lossSum.item<double>() / n};
}

TrainOutcome trainNet(GraphNet& net, const Examples& train, const Examples& val, const TrainConfig& c,
                      const std::function<void(const EpochReport&)>& report, const std::function<bool()>& cancelled) {
  auto started = Clock::now();
  TrainOutcome out;
  const int64_t n = train.y.size(0);
  const int64_t stepsPerEpoch = (n + c.batchSize - 1) / c.batchSize;
  const int64_t planned = std::min<int64_t>(static_cast<int64_t>(c.epochs) * stepsPerEpoch, c.steps < 0 ? INT64_MAX : c.steps);
  std::vector<torch::Tensor> params = net.parameters();
  torch::optim::Adam optimizer(params, torch::optim::AdamOptions(c.lr).eps(1e-7));
  auto& group = static_cast<torch::optim::AdamOptions&>(optimizer.param_groups()[0].options());
  std::mt19937_64 rng(c.seed * 0x9E3779B97F4A7C15ULL + 1);
  auto gen = at::detail::createCPUGenerator(c.seed);
  std::vector<torch::Tensor> best;
  int64_t step = 0;
  int64_t images = 0;
  double trainSeconds = 0;
  int epoch = 0;
  int bestEpoch = 0;
  while (epoch < c.epochs && step < planned) {
    ++epoch;
    torch::Tensor perm = torch::randperm(n, gen, torch::TensorOptions().dtype(torch::kInt64)).to(net.device());
    torch::Tensor lossSum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(net.device()));
    int64_t batches = 0;
    auto t0 = Clock::now();
    for (int64_t b = 0; b < n && step < planned; b += c.batchSize) {
      if (cancelled()) {
        out.cancelled = true;
        return out;
      }
      int64_t m = std::min(c.batchSize, n - b);
      if (m < 2) continue;  // BatchNorm needs two examples per channel
      group.lr(c.cosine ? c.lr * (1 + std::cos(M_PI * static_cast<double>(step) / static_cast<double>(planned))) / 2 : c.lr);
      {
        StepGuard guard;
        torch::Tensor idx = perm.narrow(0, b, m);
        torch::Tensor xb = train.x.index_select(0, idx);
        if (c.flip || c.shift > 0) xb = augment(xb, c, rng);
        torch::Tensor yb = train.y.index_select(0, idx);
        // Gradients to none rather than zero (as PyTorch's zero_grad(set_to_none=True)): backward
        // writes fresh gradients instead of adding into zeroed ones.
        for (auto& p : params) p.mutable_grad() = torch::Tensor();
        torch::Tensor loss = at::cross_entropy_loss(net.forward(xb, true), yb);
        loss.backward();
        optimizer.step();
        lossSum += loss.detach().to(torch::kFloat64);
      }
      ++step;
      ++batches;
      images += m;
    }
    synchronize(net.device());
    trainSeconds += secondsSince(t0);
    double trainLoss = lossSum.item<double>() / std::max<int64_t>(1, batches);
    out.trainLoss = trainLoss;
    if (!std::isfinite(trainLoss)) {
      out.divergedAt = step;
      out.divergedLoss = std::isnan(trainLoss) ? "NaN" : (trainLoss > 0 ? "Infinity" : "-Infinity");
      return out;
    }
    // Re-estimate BatchNorm statistics from training batches, then validate.
    {
      torch::NoGradGuard no_grad;
      int64_t rb = std::max<int64_t>(c.batchSize, 64);
      net.beginRecalibration();
      for (int k = 0; k < c.recalibrationBatches && k * rb < n; ++k) {
        int64_t m = std::min(rb, n - k * rb);
        if (m < 2) break;
        StepGuard guard;
        net.forward(train.x.narrow(0, k * rb, m), true);
      }
      net.endRecalibration();
    }
    EvalOutcome v = evaluateNet(net, val, 256, cancelled);
    report(EpochReport{epoch, trainLoss, v.loss, v.accuracy});
    if (v.accuracy > out.valAccuracy) {
      out.valAccuracy = v.accuracy;
      out.valLoss = v.loss;
      bestEpoch = epoch;
      if (epoch < c.epochs && step < planned) best = net.snapshot();
      else best.clear();
    } else if (c.patience > 0 && epoch - bestEpoch >= c.patience) {
      out.stoppedEarly = true;
      break;
    }
  }
  if (!best.empty() && bestEpoch != epoch) net.restore(best);
  out.epochs = epoch;
  out.bestEpoch = bestEpoch;
  out.steps = step;
  out.seconds = secondsSince(started);
  out.imagesPerSecond = trainSeconds > 0 ? images / trainSeconds : 0;
  return out;
}

LatencyOutcome measureLatency(GraphNet& net, int warmup, int runs, double maxMs, const std::function<bool()>& cancelled) {
  ExclusiveGuard alone;
  c10::InferenceMode inference;
  const auto& in = net.spec().input;
  auto gen = at::detail::createCPUGenerator(1);
  // Uniform in [0, 1): also valid token ids (0 or 1) for a text model's Embedding (as tfjs latency.ts).
  torch::Tensor x = torch::rand({1, in[2], in[0], in[1]}, gen, torch::TensorOptions().dtype(torch::kFloat32)).to(net.device());
  auto once = [&] {
    torch::Tensor y = net.forward(x, false);
    synchronize(net.device());
    return y;
  };
  for (int i = 0; i < warmup; ++i) {
    if (cancelled()) throw Cancelled();
    once();
  }
  std::vector<double> times;
  auto start = Clock::now();
  const size_t want = static_cast<size_t>(std::max(5, runs));
  while (times.size() < want && (times.size() < 5 || secondsSince(start) * 1000 < maxMs)) {
    if (cancelled()) throw Cancelled();
    auto t = Clock::now();
    once();
    times.push_back(secondsSince(t) * 1000);
  }
  std::sort(times.begin(), times.end());
  auto q = [&](double p) {
    double pos = (times.size() - 1) * p;
    size_t lo = static_cast<size_t>(std::floor(pos)), hi = static_cast<size_t>(std::ceil(pos));
    return times[lo] + (times[hi] - times[lo]) * (pos - lo);
  };
  return {q(0.5), q(0.9), static_cast<int>(times.size())};
}

}  // namespace frontier
