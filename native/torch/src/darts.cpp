#include "darts.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <functional>
#include <string>
#include <system_error>
#include <thread>

#include "allocator.h"
#include "gate.h"
#include "napi_util.h"

namespace frontier {

// ---------------------------------------------------------------------------------------------
// The network

OneShotNet::OneShotNet(const OneShotSpec& s, uint64_t seed, torch::Device d) : spec_(s), device_(d) {
  auto gen = at::detail::createCPUGenerator(seed);
  int64_t c = s.channels;
  stem_ = makeConv(s.c, c, s.stem3x3 ? 3 : 1, 1, gen);
  stemBn_ = makeBn(c, true);
  for (int stage = 0; stage < s.stages; ++stage) {
    if (stage > 0) {
      Res r;
      r.a = makeRcb(c, 2 * c, 3, 2, true, gen);
      r.b = makeRcb(2 * c, 2 * c, 3, 1, true, gen);
      r.shortcut = makeConv(c, 2 * c, 1, 1, gen);
      reductions_.push_back(r);
      c *= 2;
    }
    for (int i = 0; i < s.cellsPerStage; ++i) {
      Cell cell;
      // DARTS's search cells: BatchNorm without affine parameters (an edge's scale is alpha's).
      for (int e = 0; e < kEdges; ++e) {
        cell.e1[e] = makeRcb(c, c, 1, 1, false, gen);
        cell.e3[e] = makeRcb(c, c, 3, 1, false, gen);
      }
      cells_.push_back(cell);
    }
  }
  lastBn_ = makeBn(c, true);
  double limit = std::sqrt(6.0 / static_cast<double>(c + s.classes));
  fcW_ = torch::empty({s.classes, c}).uniform_(-limit, limit, gen).to(d).set_requires_grad(true);
  fcB_ = torch::zeros({s.classes}).to(d).set_requires_grad(true);
  params_.push_back(fcW_);
  params_.push_back(fcB_);
  alpha_ = (1e-3 * torch::randn({kEdges, kOps}, gen)).to(d).set_requires_grad(true);
}

OneShotNet::Conv OneShotNet::makeConv(int64_t cin, int64_t cout, int64_t k, int64_t stride, at::Generator& gen) {
  Conv c;
  c.w = torch::empty({cout, cin, k, k}).normal_(0.0, std::sqrt(2.0 / static_cast<double>(k * k * cin)), gen).to(device_).set_requires_grad(true);
  c.stride = stride;
  c.pad = k / 2;
  params_.push_back(c.w);
  return c;
}

OneShotNet::Bn OneShotNet::makeBn(int64_t c, bool affine) {
  Bn b;
  if (!affine) return b;
  b.g = torch::ones({c}).to(device_).set_requires_grad(true);
  b.b = torch::zeros({c}).to(device_).set_requires_grad(true);
  params_.push_back(b.g);
  params_.push_back(b.b);
  return b;
}

OneShotNet::ReluConvBn OneShotNet::makeRcb(int64_t cin, int64_t cout, int64_t k, int64_t stride, bool affine, at::Generator& gen) {
  ReluConvBn m;
  m.conv = makeConv(cin, cout, k, stride, gen);
  m.bn = makeBn(cout, affine);
  return m;
}

// Batch statistics always (NAS-Bench-201's weight-sharing searches: track_running_stats=False), so a
// sampled cell is scored with the statistics of the batch it sees.
torch::Tensor OneShotNet::bn(const Bn& m, const torch::Tensor& x) const {
  return at::batch_norm(x, m.g, m.b, {}, {}, true, 0.0, 1e-5, false);
}

torch::Tensor OneShotNet::rcb(const ReluConvBn& m, const torch::Tensor& x) const {
  return bn(m.bn, at::conv2d(at::relu(x), m.conv.w, {}, m.conv.stride, m.conv.pad));
}

torch::Tensor OneShotNet::cell(const Cell& c, const torch::Tensor& x, const torch::Tensor& weights, const int* ops) const {
  torch::Tensor nodes[4];
  nodes[0] = x;
  int e = 0;
  for (int to = 1; to <= 3; ++to) {
    torch::Tensor sum;
    for (int from = 0; from < to; ++from, ++e) {
      const torch::Tensor& in = nodes[from];
      if (!in.defined()) continue;  // a zero node (ENAS): every edge leaving it is zero
      auto apply = [&](int op) -> torch::Tensor {
        switch (op) {
          case kSkip: return in;
          case kConv1: return rcb(c.e1[e], in);
          case kConv3: return rcb(c.e3[e], in);
          case kPool: return at::avg_pool2d(in, 3, 1, 1, false, false);
          default: return torch::Tensor();
        }
      };
      torch::Tensor term;
      if (ops) {
        term = apply(ops[e]);
      } else {
        // 'none' adds weights[e][0] * 0: it takes a share of the softmax and contributes nothing.
        for (int op = 1; op < kOps; ++op) {
          torch::Tensor t = apply(op) * weights[e][op];
          term = term.defined() ? term + t : t;
        }
      }
      if (term.defined()) sum = sum.defined() ? sum + term : term;
    }
    nodes[to] = sum;
  }
  return nodes[3].defined() ? nodes[3] : torch::zeros_like(x);
}

torch::Tensor OneShotNet::forward(const torch::Tensor& x, const torch::Tensor& weights, const int* ops) {
  torch::Tensor h = bn(stemBn_, at::conv2d(x, stem_.w, {}, 1, stem_.pad));
  size_t ci = 0;
  for (int stage = 0; stage < spec_.stages; ++stage) {
    if (stage > 0) {
      const Res& r = reductions_[stage - 1];
      torch::Tensor main = rcb(r.b, rcb(r.a, h));
      // ceil_mode: an odd size (a 14×14 input's 7×7) pools to the strided conv's size (4×4).
      torch::Tensor shortcut = at::conv2d(at::avg_pool2d(h, 2, 2, 0, true, false), r.shortcut.w);
      h = main + shortcut;
    }
    for (int i = 0; i < spec_.cellsPerStage; ++i) h = cell(cells_[ci++], h, weights, ops);
  }
  h = at::relu(bn(lastBn_, h)).mean({2, 3});
  return at::linear(h, fcW_, fcB_);
}

int64_t OneShotNet::paramCount() const {
  int64_t n = 0;
  for (const auto& p : params_) n += p.numel();
  return n;
}

// ---------------------------------------------------------------------------------------------
// The search loops

namespace {

using Clock = std::chrono::steady_clock;

struct DartsConfig {
  int epochs = 10;
  int order = 1;
  int64_t batchSize = 64;
  int64_t stepsPerEpoch = -1;  // -1: one pass over the training split
  double lr = 0.025, lrMin = 0.001, momentum = 0.9, weightDecay = 3e-4, gradClip = 5;
  double archLr = 3e-4, archWeightDecay = 1e-3;
  uint64_t seed = 0;
  std::string checkpoint;  // empty: none; else resumed from when it exists, written after every epoch

  /** Everything that shapes the run, stored in its checkpoint: a checkpoint of another run is refused. */
  std::string signature(const OneShotSpec& s, int64_t ntr, int64_t nva) const {
    std::ostringstream o;
    o.precision(17);
    o << "darts1 in " << s.h << "x" << s.w << "x" << s.c << " classes " << s.classes << " channels " << s.channels << " cells " << s.cellsPerStage
      << " stages " << s.stages << " stem " << (s.stem3x3 ? 3 : 1) << " data " << ntr << "+" << nva << " epochs " << epochs << " order " << order
      << " batch " << batchSize << " steps " << stepsPerEpoch << " lr " << lr << ".." << lrMin << " momentum " << momentum << " wd " << weightDecay
      << " clip " << gradClip << " archLr " << archLr << " archWd " << archWeightDecay << " seed " << seed;
    return o.str();
  }
};

struct DartsEpoch {
  bool resumed = false;  // read back from the checkpoint, not run by this call
  int epoch = 0;
  double trainLoss = 0, valLoss = 0, valAccuracy = 0, seconds = 0;
  std::vector<float> alpha;
};

struct DartsOutcome {
  int epochs = 0;
  int64_t steps = 0;
  int resumedFrom = -1;  // the checkpoint's epoch when resumed
  bool checkpointed = false;
  bool stopped = false;
  int64_t divergedAt = -1;
  std::string divergedLoss;
  double seconds = 0;
  std::vector<float> alpha;
  std::vector<float> history;  // epochs × 30
};

std::vector<float> alphaValues(const torch::Tensor& a) {
  torch::Tensor c = a.detach().to(torch::kCPU).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

std::vector<torch::Tensor> gradsOf(const torch::Tensor& loss, const std::vector<torch::Tensor>& wrt) {
  auto g = torch::autograd::grad({loss}, wrt, {}, false, false, true);
  for (size_t i = 0; i < g.size(); ++i)
    if (!g[i].defined()) g[i] = torch::zeros_like(wrt[i]);
  return g;
}

std::string lossText(double v) { return std::isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity"); }

}  // namespace

struct Nb201OneShot::State {
  std::unique_ptr<OneShotNet> net;
  torch::Tensor trX, trY, vaX, vaY;
  std::atomic<bool> cancel{false};
  std::atomic<bool> stop{false};
  // ENAS: the shared weights' optimiser and the batch cursors persist between calls.
  std::unique_ptr<torch::optim::SGD> enasOpt;
  double enasMomentum = 0, enasWeightDecay = 0;
  torch::Tensor trPerm, vaPerm;
  int64_t trAt = 0, vaAt = 0;
  at::Generator gen;

  torch::Tensor nextIdx(bool val, int64_t m) {
    torch::Tensor& perm = val ? vaPerm : trPerm;
    int64_t& at = val ? vaAt : trAt;
    int64_t n = (val ? vaY : trY).size(0);
    m = std::min(m, n);
    if (!perm.defined() || at + m > n) {
      perm = torch::randperm(n, gen, torch::TensorOptions().dtype(torch::kInt64)).to(net->device());
      at = 0;
    }
    torch::Tensor idx = perm.narrow(0, at, m);
    at += m;
    return idx;
  }
};

namespace {

/** Where a DARTS run stands after an epoch: what its checkpoint holds besides the tensors. */
struct DartsPosition {
  int epoch = 0;
  int64_t step = 0, vaAt = 0;
  torch::Tensor vaPerm;           // the validation order being consumed (undefined before the first step)
  std::vector<double> stats;      // per epoch: trainLoss, valLoss, valAccuracy, seconds
  std::vector<float> history;     // per epoch: 30 alpha values
};

/** Writes the run's state (weights, alpha, both optimisers, RNG, position) to `path` atomically (temp file + rename). */
void saveDarts(const std::string& path, const std::string& signature, OneShotNet& net, torch::optim::Optimizer& wOpt, torch::optim::Optimizer& aOpt,
               at::Generator& gen, const DartsPosition& p) {
  torch::serialize::OutputArchive a;
  a.write("signature", c10::IValue(signature));
  a.write("epoch", c10::IValue(static_cast<int64_t>(p.epoch)));
  a.write("step", c10::IValue(p.step));
  a.write("vaAt", c10::IValue(p.vaAt));
  const auto& w = net.weights();
  a.write("weights", c10::IValue(static_cast<int64_t>(w.size())));
  for (size_t i = 0; i < w.size(); ++i) a.write("w" + std::to_string(i), w[i].detach().to(torch::kCPU), true);
  a.write("alpha", net.alpha().detach().to(torch::kCPU), true);
  if (p.vaPerm.defined()) a.write("vaPerm", p.vaPerm.to(torch::kCPU), true);
  a.write("rng", gen.get_state(), true);
  a.write("stats", torch::tensor(p.stats, torch::kFloat64), true);
  a.write("history", torch::tensor(p.history, torch::kFloat32), true);
  torch::serialize::OutputArchive wo, ao;
  wOpt.save(wo);
  aOpt.save(ao);
  a.write("wOpt", wo);
  a.write("aOpt", ao);
  const std::string tmp = path + ".tmp";
  a.save_to(tmp);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::system_error(errno, std::generic_category(), "cannot write the DARTS checkpoint " + path);
  }
}

/** Reads a checkpoint of this very run (same signature) into the network, the optimisers and the generator. */
DartsPosition loadDarts(const std::string& path, const std::string& signature, OneShotNet& net, torch::optim::Optimizer& wOpt, torch::optim::Optimizer& aOpt,
                        at::Generator& gen) {
  torch::serialize::InputArchive a;
  try {
    a.load_from(path);
  } catch (const c10::Error& e) {
    throw GraphError("cannot read the DARTS checkpoint " + path + ": " + e.what_without_backtrace());
  }
  c10::IValue sig, epoch, step, vaAt, nw;
  if (!a.try_read("signature", sig) || !sig.isString() || !a.try_read("epoch", epoch) || !a.try_read("step", step) || !a.try_read("vaAt", vaAt) ||
      !a.try_read("weights", nw))
    throw GraphError(path + " is not a Frontier DARTS checkpoint");
  if (sig.toStringRef() != signature)
    throw GraphError("the checkpoint " + path + " is of another DARTS run (" + sig.toStringRef() + "), not of this one (" + signature + ")");
  const auto& w = net.weights();
  if (nw.toInt() != static_cast<int64_t>(w.size())) throw GraphError(path + " holds " + std::to_string(nw.toInt()) + " weight tensors, this network " + std::to_string(w.size()));
  DartsPosition p;
  p.epoch = static_cast<int>(epoch.toInt());
  p.step = step.toInt();
  p.vaAt = vaAt.toInt();
  // A fresh tensor per read: reading into one already holding another tensor's storage fails.
  auto get = [&](const std::string& key) {
    torch::Tensor t;
    a.read(key, t, true);
    return t;
  };
  {
    torch::NoGradGuard ng;
    for (size_t i = 0; i < w.size(); ++i) {
      torch::Tensor t = get("w" + std::to_string(i));
      if (!t.sizes().equals(w[i].sizes())) throw GraphError(path + ": weight " + std::to_string(i) + " has another shape");
      w[i].copy_(t);
    }
    net.alpha().copy_(get("alpha"));
  }
  torch::Tensor vp;
  if (a.try_read("vaPerm", vp, true)) p.vaPerm = vp.to(net.device());
  gen.set_state(get("rng"));
  torch::Tensor stats = get("stats").contiguous(), history = get("history").contiguous();
  p.stats.assign(stats.data_ptr<double>(), stats.data_ptr<double>() + stats.numel());
  p.history.assign(history.data_ptr<float>(), history.data_ptr<float>() + history.numel());
  torch::serialize::InputArchive wo, ao;
  a.read("wOpt", wo);
  a.read("aOpt", ao);
  wOpt.load(wo);
  aOpt.load(ao);
  if (p.stats.size() != static_cast<size_t>(p.epoch) * 4 || p.history.size() != static_cast<size_t>(p.epoch) * kEdges * kOps)
    throw GraphError(path + " is damaged (its per-epoch records do not match its epoch " + std::to_string(p.epoch) + ")");
  return p;
}

DartsOutcome runDarts(Nb201OneShot::State& s, const DartsConfig& c, const std::function<void(const DartsEpoch&)>& report,
                      const std::function<bool()>& cancelled) {
  auto t0 = Clock::now();
  OneShotNet& net = *s.net;
  std::vector<torch::Tensor> w = net.weights();
  torch::Tensor& alpha = net.alpha();
  torch::optim::SGD wOpt(w, torch::optim::SGDOptions(c.lr).momentum(c.momentum).weight_decay(c.weightDecay));
  torch::optim::Adam aOpt(std::vector<torch::Tensor>{alpha}, torch::optim::AdamOptions(c.archLr).betas({0.5, 0.999}).weight_decay(c.archWeightDecay));
  auto& wGroup = static_cast<torch::optim::SGDOptions&>(wOpt.param_groups()[0].options());
  auto gen = at::detail::createCPUGenerator(c.seed + 17);
  const int64_t ntr = s.trY.size(0), nva = s.vaY.size(0);
  const int64_t bs = std::min(c.batchSize, ntr);
  const int64_t perEpoch = c.stepsPerEpoch > 0 ? c.stepsPerEpoch : std::max<int64_t>(1, ntr / bs);
  const int64_t planned = perEpoch * c.epochs;
  DartsOutcome out;
  int64_t step = 0;
  torch::Tensor vaPerm;
  int64_t vaAt = nva;
  auto ce = [](const torch::Tensor& logits, const torch::Tensor& y) { return at::cross_entropy_loss(logits, y); };
  const std::string signature = c.checkpoint.empty() ? std::string() : c.signature(net.spec(), ntr, nva);
  std::vector<double> stats;
  int first = 1;
  if (!c.checkpoint.empty() && std::ifstream(c.checkpoint).good()) {
    DartsPosition p;
    try {
      p = loadDarts(c.checkpoint, signature, net, wOpt, aOpt, gen);
    } catch (const c10::Error& e) {
      throw GraphError("the checkpoint " + c.checkpoint + " is damaged: " + e.what_without_backtrace());
    }
    if (p.epoch > c.epochs) throw GraphError("the checkpoint " + c.checkpoint + " is past this run's last epoch");
    step = p.step;
    vaAt = p.vaPerm.defined() ? p.vaAt : nva;
    vaPerm = p.vaPerm;
    stats = p.stats;
    out.history = p.history;
    out.epochs = p.epoch;
    out.resumedFrom = p.epoch;
    first = p.epoch + 1;
    // The epochs read back are reported first (flagged), so the caller's record is that of one run.
    for (int e = 0; e < p.epoch; ++e) {
      DartsEpoch r;
      r.resumed = true;
      r.epoch = e + 1;
      r.trainLoss = stats[e * 4];
      r.valLoss = stats[e * 4 + 1];
      r.valAccuracy = stats[e * 4 + 2];
      r.seconds = stats[e * 4 + 3];
      r.alpha.assign(out.history.begin() + e * kEdges * kOps, out.history.begin() + (e + 1) * kEdges * kOps);
      report(r);
    }
  }
  for (int epoch = first; epoch <= c.epochs; ++epoch) {
    auto te = Clock::now();
    torch::Tensor trPerm = torch::randperm(ntr, gen, torch::TensorOptions().dtype(torch::kInt64)).to(net.device());
    torch::Tensor lossSum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(net.device()));
    int64_t trAt = 0;
    for (int64_t k = 0; k < perEpoch; ++k, ++step) {
      if (cancelled()) throw Cancelled();
      if (s.stop.load()) {
        out.stopped = true;
        break;
      }
      if (trAt + bs > ntr) {
        trPerm = torch::randperm(ntr, gen, torch::TensorOptions().dtype(torch::kInt64)).to(net.device());
        trAt = 0;
      }
      torch::Tensor ti = trPerm.narrow(0, trAt, bs);
      trAt += bs;
      const int64_t vb = std::min(bs, nva);
      if (vaAt + vb > nva) {
        vaPerm = torch::randperm(nva, gen, torch::TensorOptions().dtype(torch::kInt64)).to(net.device());
        vaAt = 0;
      }
      torch::Tensor vi = vaPerm.narrow(0, vaAt, vb);
      vaAt += vb;
      torch::Tensor xt = s.trX.index_select(0, ti), yt = s.trY.index_select(0, ti);
      torch::Tensor xv = s.vaX.index_select(0, vi), yv = s.vaY.index_select(0, vi);
      const double lr = c.lrMin + (c.lr - c.lrMin) * (1 + std::cos(M_PI * static_cast<double>(step) / static_cast<double>(planned))) / 2;
      wGroup.lr(lr);
      StepGuard guard;
      // 1. Architecture step on a validation batch.
      torch::Tensor aGrad;
      if (c.order == 1) {
        aGrad = gradsOf(ce(net.forward(xv, torch::softmax(alpha, -1), nullptr), yv), {alpha})[0];
      } else {
        // Unrolled: w' = w - xi * dL_train/dw (xi = the weights' learning rate, no momentum);
        // grad_alpha = dL_val(w', alpha)/dalpha - xi * [dL_train(w+)/dalpha - dL_train(w-)/dalpha] / (2 eps),
        // w± = w ± eps * dL_val(w')/dw', eps = 0.01 / |dL_val(w')/dw'| (DARTS, eq. 7-8).
        std::vector<torch::Tensor> backup;
        for (auto& p : w) backup.push_back(p.detach().clone());
        std::vector<torch::Tensor> gw = gradsOf(ce(net.forward(xt, torch::softmax(alpha, -1), nullptr), yt), w);
        {
          torch::NoGradGuard ng;
          for (size_t i = 0; i < w.size(); ++i) w[i].sub_(lr * (gw[i] + c.weightDecay * w[i]));
        }
        std::vector<torch::Tensor> wrt = w;
        wrt.push_back(alpha);
        std::vector<torch::Tensor> g = gradsOf(ce(net.forward(xv, torch::softmax(alpha, -1), nullptr), yv), wrt);
        torch::Tensor dAlpha = g.back();
        g.pop_back();
        torch::Tensor norm = torch::zeros({}, torch::TensorOptions().device(net.device()));
        for (auto& t : g) norm = norm + t.pow(2).sum();
        const double eps = 0.01 / std::max(1e-12, std::sqrt(norm.item<double>()));
        auto trainAlphaGrad = [&](double sign) {
          {
            torch::NoGradGuard ng;
            for (size_t i = 0; i < w.size(); ++i) w[i].copy_(backup[i] + sign * eps * g[i]);
          }
          return gradsOf(ce(net.forward(xt, torch::softmax(alpha, -1), nullptr), yt), {alpha})[0];
        };
        torch::Tensor gPlus = trainAlphaGrad(1), gMinus = trainAlphaGrad(-1);
        {
          torch::NoGradGuard ng;
          for (size_t i = 0; i < w.size(); ++i) w[i].copy_(backup[i]);
        }
        aGrad = dAlpha - lr * (gPlus - gMinus) / (2 * eps);
      }
      if (!torch::isfinite(aGrad).all().item<bool>()) {
        out.divergedAt = step;
        out.divergedLoss = "NaN";
        break;
      }
      alpha.mutable_grad() = aGrad.detach();
      aOpt.step();
      // 2. Weight step on a training batch, alpha fixed.
      for (auto& p : w) p.mutable_grad() = torch::Tensor();
      torch::Tensor loss = ce(net.forward(xt, torch::softmax(alpha, -1).detach(), nullptr), yt);
      loss.backward();
      torch::nn::utils::clip_grad_norm_(w, c.gradClip);
      wOpt.step();
      double lv = loss.item<double>();
      if (!std::isfinite(lv)) {
        out.divergedAt = step;
        out.divergedLoss = lossText(lv);
        break;
      }
      lossSum += lv;
    }
    if (out.divergedAt >= 0 || out.stopped) break;
    // Validation of the mixed network; alpha after the epoch.
    DartsEpoch r;
    r.epoch = epoch;
    r.trainLoss = lossSum.item<double>() / static_cast<double>(perEpoch);
    {
      c10::InferenceMode inf;
      torch::Tensor sw = torch::softmax(alpha, -1);
      double lsum = 0;
      int64_t correct = 0;
      for (int64_t i = 0; i < nva; i += 256) {
        if (cancelled()) throw Cancelled();
        int64_t m = std::min<int64_t>(256, nva - i);
        StepGuard guard;
        torch::Tensor logits = net.forward(s.vaX.narrow(0, i, m), sw, nullptr);
        torch::Tensor yb = s.vaY.narrow(0, i, m);
        correct += logits.argmax(1).eq(yb).sum().item<int64_t>();
        lsum += at::cross_entropy_loss(logits, yb, {}, at::Reduction::Sum).item<double>();
      }
      r.valAccuracy = nva ? static_cast<double>(correct) / nva : 0;
      r.valLoss = nva ? lsum / nva : 0;
    }
    r.alpha = alphaValues(alpha);
    r.seconds = std::chrono::duration<double>(Clock::now() - te).count();
    out.history.insert(out.history.end(), r.alpha.begin(), r.alpha.end());
    out.epochs = epoch;
    stats.insert(stats.end(), {r.trainLoss, r.valLoss, r.valAccuracy, r.seconds});
    if (!c.checkpoint.empty()) {
      DartsPosition p;
      p.epoch = epoch;
      p.step = step;
      p.vaAt = vaAt;
      p.vaPerm = vaPerm;
      p.stats = stats;
      p.history = out.history;
      saveDarts(c.checkpoint, signature, net, wOpt, aOpt, gen, p);
      out.checkpointed = true;
    }
    report(r);
  }
  out.steps = step;
  out.alpha = alphaValues(alpha);
  out.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return out;
}

// ---------------------------------------------------------------------------------------------
// JavaScript glue

int64_t intOpt(const Napi::Object& o, const char* key, int64_t dflt, int64_t lo, int64_t hi) {
  if (!o.Has(key) || o.Get(key).IsUndefined()) return dflt;
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string("'") + key + "' must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= static_cast<double>(lo) && d <= static_cast<double>(hi)) || d != std::floor(d))
    throw Napi::RangeError::New(o.Env(), std::string("'") + key + "' must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
  return static_cast<int64_t>(d);
}

double numOpt(const Napi::Object& o, const char* key, double dflt, double lo, double hi) {
  if (!o.Has(key) || o.Get(key).IsUndefined()) return dflt;
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string("'") + key + "' must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= lo && d <= hi)) throw Napi::RangeError::New(o.Env(), std::string("'") + key + "' is out of range");
  return d;
}

torch::Tensor images(Napi::Env env, const Napi::Value& v, const OneShotSpec& s, int64_t* n) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) throw Napi::TypeError::New(env, "examples must be a Float32Array");
  Napi::Float32Array a = v.As<Napi::Float32Array>();
  const int64_t per = s.h * s.w * s.c;
  if (a.ElementLength() == 0 || static_cast<int64_t>(a.ElementLength()) % per != 0) throw Napi::RangeError::New(env, "the examples' length is not a positive multiple of H*W*C");
  *n = static_cast<int64_t>(a.ElementLength()) / per;
  for (size_t i = 0; i < a.ElementLength(); ++i)
    if (!std::isfinite(a[i])) throw Napi::RangeError::New(env, "example " + std::to_string(i / per) + " has a value that is not finite");
  return torch::from_blob(a.Data(), {*n, s.h, s.w, s.c}, torch::kFloat32).permute({0, 3, 1, 2}).clone(at::MemoryFormat::Contiguous);
}

torch::Tensor labels(Napi::Env env, const Napi::Value& v, int64_t n, int64_t classes) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) throw Napi::TypeError::New(env, "labels must be an Int32Array");
  Napi::Int32Array a = v.As<Napi::Int32Array>();
  if (static_cast<int64_t>(a.ElementLength()) != n) throw Napi::RangeError::New(env, "there are " + std::to_string(a.ElementLength()) + " labels for " + std::to_string(n) + " examples");
  for (size_t i = 0; i < a.ElementLength(); ++i)
    if (a[i] < 0 || a[i] >= classes) throw Napi::RangeError::New(env, "label " + std::to_string(a[i]) + " of example " + std::to_string(i) + " is not a class (0.." + std::to_string(classes - 1) + ")");
  return torch::from_blob(a.Data(), {n}, torch::kInt32).to(torch::kInt64);
}

/** Cells as an Int32Array of 6 op codes each. */
std::vector<int> cellsFrom(Napi::Env env, const Napi::Value& v) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) throw Napi::TypeError::New(env, "cells must be an Int32Array of 6 op codes per cell");
  Napi::Int32Array a = v.As<Napi::Int32Array>();
  if (a.ElementLength() == 0 || a.ElementLength() % kEdges != 0) throw Napi::RangeError::New(env, "cells must hold 6 op codes per cell");
  std::vector<int> out(a.ElementLength());
  for (size_t i = 0; i < a.ElementLength(); ++i) {
    if (a[i] < 0 || a[i] >= kOps) throw Napi::RangeError::New(env, "op code " + std::to_string(a[i]) + " is not one of 0..4");
    out[i] = a[i];
  }
  return out;
}

Napi::Float32Array floats(Napi::Env env, const std::vector<float>& v) {
  Napi::Float32Array a = Napi::Float32Array::New(env, v.size());
  std::copy(v.begin(), v.end(), a.Data());
  return a;
}

}  // namespace

Napi::Function Nb201OneShot::Define(Napi::Env env) {
  return DefineClass(env, "Nb201OneShot",
                     {InstanceMethod("setData", &Nb201OneShot::SetData), InstanceMethod("darts", &Nb201OneShot::Darts),
                      InstanceMethod("trainSampled", &Nb201OneShot::TrainSampled), InstanceMethod("evalSampled", &Nb201OneShot::EvalSampled),
                      InstanceMethod("alpha", &Nb201OneShot::Alpha), InstanceMethod("saveState", &Nb201OneShot::SaveState),
                      InstanceMethod("loadState", &Nb201OneShot::LoadState), InstanceMethod("paramCount", &Nb201OneShot::ParamCount),
                      InstanceMethod("stop", &Nb201OneShot::Stop), InstanceMethod("cancel", &Nb201OneShot::Cancel),
                      InstanceMethod("dispose", &Nb201OneShot::Dispose)});
}

Nb201OneShot::Nb201OneShot(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Nb201OneShot>(info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "new Nb201OneShot(options): options must be an object");
  Napi::Object o = info[0].As<Napi::Object>();
  OneShotSpec s;
  if (!o.Get("input").IsArray() || o.Get("input").As<Napi::Array>().Length() != 3) throw Napi::TypeError::New(env, "'input' must be [H, W, C]");
  Napi::Array in = o.Get("input").As<Napi::Array>();
  int64_t hwc[3];
  for (uint32_t i = 0; i < 3; ++i) {
    if (!in.Get(i).IsNumber()) throw Napi::TypeError::New(env, "'input' must be [H, W, C]");
    double d = in.Get(i).As<Napi::Number>().DoubleValue();
    if (!(d >= 1 && d <= 4096) || d != std::floor(d)) throw Napi::RangeError::New(env, "'input' sizes must be integers in 1..4096");
    hwc[i] = static_cast<int64_t>(d);
  }
  s.h = hwc[0];
  s.w = hwc[1];
  s.c = hwc[2];
  s.classes = intOpt(o, "classes", 10, 2, 100000);
  s.channels = intOpt(o, "channels", 16, 1, 1024);
  s.cellsPerStage = static_cast<int>(intOpt(o, "cellsPerStage", 1, 1, 16));
  s.stages = static_cast<int>(intOpt(o, "stages", 3, 1, 3));
  s.stem3x3 = intOpt(o, "stemKernel", 3, 1, 3) == 3;
  if (s.stages == 3 && (s.h < 4 || s.w < 4)) throw Napi::RangeError::New(env, "three stages need inputs of at least 4x4");
  const uint64_t seed = static_cast<uint64_t>(intOpt(o, "seed", 0, 0, 1LL << 52));
  threads_ = static_cast<int>(intOpt(o, "threads", 1, 1, 256));
  std::string device = o.Has("device") && o.Get("device").IsString() ? o.Get("device").As<Napi::String>().Utf8Value() : "cpu";
  jobs_ = *env.GetInstanceData<std::shared_ptr<JobSet>>();
  st_ = std::make_shared<State>();
  try {
    torch::Device d(device);
    if (d.is_cuda() && !torch::cuda::is_available()) throw std::runtime_error("device " + device + ": this libtorch has no CUDA, or no GPU is visible");
    st_->net = std::make_unique<OneShotNet>(s, seed, d);
    st_->gen = at::detail::createCPUGenerator(seed + 1);
  } catch (const c10::Error& e) {
    throw codedError(env, "libtorch", e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw codedError(env, "libtorch", e.what());
  }
}

Nb201OneShot::~Nb201OneShot() {
  if (st_) st_->cancel = true;
}

void Nb201OneShot::claim(Napi::Env env, bool needData) {
  if (disposed_ || !st_) throw codedError(env, "disposed", "the one-shot network is disposed");
  if (busy_) throw codedError(env, "busy", "the one-shot network is busy (one darts, trainSampled or evalSampled call at a time)");
  if (needData && !st_->trX.defined()) throw codedError(env, "no-data", "setData(trainX, trainY, valX, valY) first");
}

void Nb201OneShot::release() {
  busy_ = false;
  if (disposed_) st_.reset();
  Unref();
}

Napi::Value Nb201OneShot::SetData(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  claim(env, false);
  const OneShotSpec& s = st_->net->spec();
  int64_t ntr = 0, nva = 0;
  torch::Tensor trX = images(env, info[0], s, &ntr);
  torch::Tensor trY = labels(env, info[1], ntr, s.classes);
  torch::Tensor vaX = images(env, info[2], s, &nva);
  torch::Tensor vaY = labels(env, info[3], nva, s.classes);
  if (ntr < 2 || nva < 2) throw Napi::RangeError::New(env, "the training and validation splits need at least 2 examples each (BatchNorm)");
  const torch::Device d = st_->net->device();
  st_->trX = trX.to(d);
  st_->trY = trY.to(d);
  st_->vaX = vaX.to(d);
  st_->vaY = vaY.to(d);
  st_->trPerm = torch::Tensor();
  st_->vaPerm = torch::Tensor();
  return env.Undefined();
}

Napi::Value Nb201OneShot::Darts(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  claim(env, true);
  Napi::Object o = info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object::New(env);
  DartsConfig c;
  c.epochs = static_cast<int>(intOpt(o, "epochs", c.epochs, 1, 100000));
  c.order = static_cast<int>(intOpt(o, "order", 1, 1, 2));
  c.batchSize = intOpt(o, "batchSize", c.batchSize, 2, 1 << 20);
  c.stepsPerEpoch = intOpt(o, "stepsPerEpoch", -1, -1, 1LL << 40);
  if (c.stepsPerEpoch == 0) throw Napi::RangeError::New(env, "'stepsPerEpoch' must be positive (or -1)");
  c.lr = numOpt(o, "lr", c.lr, 1e-9, 10);
  c.lrMin = numOpt(o, "lrMin", std::min(c.lrMin, c.lr), 0, c.lr);
  c.momentum = numOpt(o, "momentum", c.momentum, 0, 0.999999);
  c.weightDecay = numOpt(o, "weightDecay", c.weightDecay, 0, 1);
  c.gradClip = numOpt(o, "gradClip", c.gradClip, 1e-9, 1e9);
  c.archLr = numOpt(o, "archLr", c.archLr, 1e-9, 10);
  c.archWeightDecay = numOpt(o, "archWeightDecay", c.archWeightDecay, 0, 1);
  c.seed = static_cast<uint64_t>(intOpt(o, "seed", 0, 0, 1LL << 52));
  if (o.Has("checkpoint") && !o.Get("checkpoint").IsUndefined()) {
    if (!o.Get("checkpoint").IsString() || o.Get("checkpoint").As<Napi::String>().Utf8Value().empty()) throw Napi::TypeError::New(env, "'checkpoint' must be a file path");
    c.checkpoint = o.Get("checkpoint").As<Napi::String>().Utf8Value();
  }
  onEpoch_.Reset();
  if (info[1].IsFunction()) onEpoch_ = Napi::Persistent(info[1].As<Napi::Function>());
  st_->cancel = false;
  st_->stop = false;
  busy_ = true;
  Ref();
  auto st = st_;
  auto jobs = jobs_;
  return runOnThread<DartsOutcome>(
      env, jobs_, threads_,
      [=](const Post& post) {
        auto report = [&](const DartsEpoch& r) {
          postProgress(post, &onEpoch_, [r](Napi::Object& p) {
            p.Set("epoch", r.epoch);
            if (r.resumed) p.Set("resumed", true);
            p.Set("trainLoss", r.trainLoss);
            p.Set("valLoss", r.valLoss);
            p.Set("valAccuracy", r.valAccuracy);
            p.Set("seconds", r.seconds);
            p.Set("alpha", floats(p.Env(), r.alpha));
          });
        };
        DartsOutcome out = runDarts(*st, c, report, [&] { return st->cancel.load() || jobs->stopping(); });
        if (runningJobs() == 1) trimAllocatorCache();
        return out;
      },
      [](Napi::Env env, DartsOutcome& r) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("epochs", r.epochs);
        o.Set("steps", static_cast<double>(r.steps));
        o.Set("stopped", r.stopped);
        if (r.resumedFrom >= 0) o.Set("resumedFrom", r.resumedFrom);
        o.Set("checkpointed", r.checkpointed);
        o.Set("seconds", r.seconds);
        o.Set("alpha", floats(env, r.alpha));
        o.Set("history", floats(env, r.history));
        setDiverged(o, r.divergedAt, r.divergedLoss);
        return o;
      },
      [this]() {
        onEpoch_.Reset();
        release();
      });
}

Napi::Value Nb201OneShot::TrainSampled(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  claim(env, true);
  std::vector<int> cells = cellsFrom(env, info[0]);
  Napi::Object o = info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
  const int64_t bs = intOpt(o, "batchSize", 64, 2, 1 << 20);
  const double lr = numOpt(o, "lr", 0.05, 1e-9, 10);
  const double momentum = numOpt(o, "momentum", 0.9, 0, 0.999999);
  const double wd = numOpt(o, "weightDecay", 1e-4, 0, 1);
  const double clip = numOpt(o, "gradClip", 5, 1e-9, 1e9);
  st_->cancel = false;
  busy_ = true;
  Ref();
  auto st = st_;
  auto jobs = jobs_;
  return runOnThread<std::pair<double, int64_t>>(
      env, jobs_, threads_,
      [=](const Post&) {
        OneShotNet& net = *st->net;
        std::vector<torch::Tensor> w = net.weights();
        if (!st->enasOpt) {
          st->enasOpt = std::make_unique<torch::optim::SGD>(w, torch::optim::SGDOptions(lr).momentum(momentum).nesterov(momentum > 0).weight_decay(wd));
          st->enasMomentum = momentum;
          st->enasWeightDecay = wd;
        }
        auto& g = static_cast<torch::optim::SGDOptions&>(st->enasOpt->param_groups()[0].options());
        g.lr(lr);
        double sum = 0;
        int64_t steps = 0;
        for (size_t k = 0; k < cells.size() / kEdges; ++k) {
          if (st->cancel.load() || jobs->stopping()) throw Cancelled();
          torch::Tensor idx = st->nextIdx(false, bs);
          StepGuard guard;
          for (auto& p : w) p.mutable_grad() = torch::Tensor();
          torch::Tensor loss = at::cross_entropy_loss(net.forward(st->trX.index_select(0, idx), torch::Tensor(), &cells[k * kEdges]), st->trY.index_select(0, idx));
          double lv = loss.item<double>();
          if (!std::isfinite(lv)) return std::make_pair(lv, steps);  // the NaN guard: no step with it
          loss.backward();
          torch::nn::utils::clip_grad_norm_(w, clip);
          st->enasOpt->step();
          sum += lv;
          ++steps;
        }
        return std::make_pair(sum / std::max<int64_t>(1, steps), steps);
      },
      [](Napi::Env env, std::pair<double, int64_t>& r) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("loss", r.first);
        o.Set("steps", static_cast<double>(r.second));
        return o;
      },
      [this]() { release(); });
}

Napi::Value Nb201OneShot::EvalSampled(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  claim(env, true);
  std::vector<int> cells = cellsFrom(env, info[0]);
  Napi::Object o = info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
  const int64_t bs = intOpt(o, "batchSize", 128, 2, 1 << 20);
  // full: every cell on the whole validation split (in batches), else each on its next batch.
  const bool full = o.Has("full") && o.Get("full").ToBoolean().Value();
  st_->cancel = false;
  busy_ = true;
  Ref();
  auto st = st_;
  auto jobs = jobs_;
  return runOnThread<std::vector<float>>(
      env, jobs_, threads_,
      [=](const Post&) {
        OneShotNet& net = *st->net;
        c10::InferenceMode inf;
        std::vector<float> acc;
        const int64_t nva = st->vaY.size(0);
        for (size_t k = 0; k < cells.size() / kEdges; ++k) {
          if (st->cancel.load() || jobs->stopping()) throw Cancelled();
          const int* ops = &cells[k * kEdges];
          int64_t correct = 0, seen = 0;
          if (full) {
            for (int64_t i = 0; i < nva; i += bs) {
              if (st->cancel.load() || jobs->stopping()) throw Cancelled();
              int64_t m = std::min(bs, nva - i);
              if (m < 2) break;
              StepGuard guard;
              correct += net.forward(st->vaX.narrow(0, i, m), torch::Tensor(), ops).argmax(1).eq(st->vaY.narrow(0, i, m)).sum().item<int64_t>();
              seen += m;
            }
          } else {
            torch::Tensor idx = st->nextIdx(true, bs);
            StepGuard guard;
            correct = net.forward(st->vaX.index_select(0, idx), torch::Tensor(), ops).argmax(1).eq(st->vaY.index_select(0, idx)).sum().item<int64_t>();
            seen = idx.size(0);
          }
          acc.push_back(seen ? static_cast<float>(correct) / static_cast<float>(seen) : 0.f);
        }
        return acc;
      },
      [](Napi::Env env, std::vector<float>& r) -> Napi::Value { return floats(env, r); },
      [this]() { release(); });
}

Napi::Value Nb201OneShot::Alpha(const Napi::CallbackInfo& info) {
  claim(info.Env(), false);
  return floats(info.Env(), alphaValues(st_->net->alpha()));
}

namespace {

std::string specSignature(const OneShotSpec& s) {
  std::ostringstream o;
  o << "nb201-oneshot1 in " << s.h << "x" << s.w << "x" << s.c << " classes " << s.classes << " channels " << s.channels << " cells " << s.cellsPerStage
    << " stages " << s.stages << " stem " << (s.stem3x3 ? 3 : 1);
  return o.str();
}

}  // namespace

// The state ENAS carries between calls (shared weights, alpha, the weights' optimiser, the batch
// orders, cursors and RNG), with the caller's own text (its controller), written atomically.
Napi::Value Nb201OneShot::SaveState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  claim(env, false);
  if (!info[0].IsString() || !info[1].IsString()) throw Napi::TypeError::New(env, "saveState(path, meta): path and meta must be text");
  const std::string path = info[0].As<Napi::String>().Utf8Value(), meta = info[1].As<Napi::String>().Utf8Value();
  State& s = *st_;
  try {
    torch::serialize::OutputArchive a;
    a.write("signature", c10::IValue(specSignature(s.net->spec())));
    a.write("meta", c10::IValue(meta));
    const auto& w = s.net->weights();
    a.write("weights", c10::IValue(static_cast<int64_t>(w.size())));
    for (size_t i = 0; i < w.size(); ++i) a.write("w" + std::to_string(i), w[i].detach().to(torch::kCPU), true);
    a.write("alpha", s.net->alpha().detach().to(torch::kCPU), true);
    a.write("rng", s.gen.get_state(), true);
    a.write("trAt", c10::IValue(s.trAt));
    a.write("vaAt", c10::IValue(s.vaAt));
    if (s.trPerm.defined()) a.write("trPerm", s.trPerm.to(torch::kCPU), true);
    if (s.vaPerm.defined()) a.write("vaPerm", s.vaPerm.to(torch::kCPU), true);
    if (s.enasOpt) {
      a.write("enasMomentum", c10::IValue(s.enasMomentum));
      a.write("enasWeightDecay", c10::IValue(s.enasWeightDecay));
      torch::serialize::OutputArchive o;
      s.enasOpt->save(o);
      a.write("enasOpt", o);
    }
    const std::string tmp = path + ".tmp";
    a.save_to(tmp);
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
      const int err = errno;
      std::remove(tmp.c_str());
      throw std::system_error(err, std::generic_category(), "cannot write the checkpoint " + path);
    }
  } catch (const c10::Error& e) {
    throw codedError(env, "libtorch", e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw codedError(env, "libtorch", e.what());
  }
  return env.Undefined();
}

/** Reads saveState's file into this network (of the same spec; after setData); returns its meta text. */
Napi::Value Nb201OneShot::LoadState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  claim(env, false);
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "loadState(path): path must be text");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  State& s = *st_;
  torch::serialize::InputArchive a;
  try {
    a.load_from(path);
  } catch (const c10::Error& e) {
    throw codedError(env, "graph", "cannot read the one-shot checkpoint " + path + ": " + e.what_without_backtrace());
  }
  c10::IValue sig, meta, nw, trAt, vaAt;
  if (!a.try_read("signature", sig) || !sig.isString() || !a.try_read("meta", meta) || !meta.isString() || !a.try_read("weights", nw) ||
      !a.try_read("trAt", trAt) || !a.try_read("vaAt", vaAt))
    throw codedError(env, "graph", path + " is not a Frontier one-shot checkpoint");
  const std::string mine = specSignature(s.net->spec());
  if (sig.toStringRef() != mine) throw codedError(env, "graph", "the checkpoint " + path + " is of another network (" + sig.toStringRef() + "), not of this one (" + mine + ")");
  const auto& w = s.net->weights();
  if (nw.toInt() != static_cast<int64_t>(w.size())) throw codedError(env, "graph", path + " is damaged (its weight count differs)");
  try {
    auto get = [&](const std::string& key) {
      torch::Tensor t;
      a.read(key, t, true);
      return t;
    };
    const torch::Device d = s.net->device();
    {
      torch::NoGradGuard ng;
      for (size_t i = 0; i < w.size(); ++i) {
        torch::Tensor t = get("w" + std::to_string(i));
        if (!t.sizes().equals(w[i].sizes())) throw GraphError(path + ": weight " + std::to_string(i) + " has another shape");
        w[i].copy_(t);
      }
      s.net->alpha().copy_(get("alpha"));
    }
    s.gen.set_state(get("rng"));
    torch::Tensor t;
    s.trPerm = a.try_read("trPerm", t, true) ? t.to(d) : torch::Tensor();
    torch::Tensor v;
    s.vaPerm = a.try_read("vaPerm", v, true) ? v.to(d) : torch::Tensor();
    s.trAt = trAt.toInt();
    s.vaAt = vaAt.toInt();
    c10::IValue m, wd;
    if (a.try_read("enasMomentum", m) && a.try_read("enasWeightDecay", wd)) {
      s.enasMomentum = m.toDouble();
      s.enasWeightDecay = wd.toDouble();
      std::vector<torch::Tensor> params = w;
      s.enasOpt = std::make_unique<torch::optim::SGD>(params, torch::optim::SGDOptions(0.01).momentum(s.enasMomentum).nesterov(s.enasMomentum > 0).weight_decay(s.enasWeightDecay));
      torch::serialize::InputArchive o;
      a.read("enasOpt", o);
      s.enasOpt->load(o);
    } else {
      s.enasOpt.reset();
    }
  } catch (const GraphError& e) {
    throw codedError(env, "graph", e.what());
  } catch (const c10::Error& e) {
    throw codedError(env, "graph", "the checkpoint " + path + " is damaged: " + e.what_without_backtrace());
  }
  return Napi::String::New(env, meta.toStringRef());
}

Napi::Value Nb201OneShot::ParamCount(const Napi::CallbackInfo& info) {
  if (!st_) throw codedError(info.Env(), "disposed", "the one-shot network is disposed");
  return Napi::Number::New(info.Env(), static_cast<double>(st_->net->paramCount()));
}

Napi::Value Nb201OneShot::Stop(const Napi::CallbackInfo& info) {
  if (st_) st_->stop = true;
  return info.Env().Undefined();
}

Napi::Value Nb201OneShot::Cancel(const Napi::CallbackInfo& info) {
  if (st_) st_->cancel = true;
  return info.Env().Undefined();
}

Napi::Value Nb201OneShot::Dispose(const Napi::CallbackInfo& info) {
  if (st_) st_->cancel = true;
  disposed_ = true;
  if (!busy_) st_.reset();
  return info.Env().Undefined();
}

}  // namespace frontier
