#include "graph_net.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <utility>

namespace frontier {
namespace {

/** TensorFlow 'same' padding of one spatial axis: (before, after), the extra one after. */
std::pair<int64_t, int64_t> samePad(int64_t in, int64_t k, int64_t s) {
  int64_t out = (in + s - 1) / s;
  int64_t total = std::max<int64_t>((out - 1) * s + k - in, 0);
  return {total / 2, total - total / 2};
}

std::string shapeOf(const std::vector<int64_t>& s) {
  std::ostringstream o;
  o << "[";
  for (size_t i = 0; i < s.size(); ++i) o << (i ? ", " : "") << s[i];
  o << "]";
  return o.str();
}

const char* libtorchMessage(const c10::Error& e) { return e.what_without_backtrace(); }

int64_t dims(const torch::Tensor& t, int64_t i) { return t.size(i); }

/**
 * Depthwise convolution (on an already padded input) with a faster backward pass. libtorch 1.13's
 * CPU backward of depthwise convolutions takes up to 15× its forward (a 7×7 kernel at batch 32: 6 ms
 * against 0.4 ms); both gradients are themselves forward convolutions, which run on the fast path:
 * the input gradient is the output gradient, spread out by the stride and zero-padded by k−1,
 * correlated with the flipped kernel; the kernel gradient is a grouped correlation (dilated by the
 * stride) of each (example, channel) input plane with its output-gradient plane, summed over the
 * batch. Used where it is faster (stride 1, or kernels of 5 and more); checked against libtorch's own
 * backward in the tests.
 */
struct DepthwiseConv : public torch::autograd::Function<DepthwiseConv> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& xp, const torch::Tensor& w, int64_t stride) {
    ctx->save_for_backward({xp, w});
    ctx->saved_data["stride"] = stride;
    const std::vector<int64_t> s{stride, stride}, one{1, 1}, zero{0, 0};
    return at::conv2d(xp, w, c10::nullopt, s, zero, one, xp.size(1));
  }
  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::tensor_list grads) {
    auto saved = ctx->get_saved_variables();
    const torch::Tensor& xp = saved[0];
    const torch::Tensor& w = saved[1];
    const int64_t stride = ctx->saved_data["stride"].toInt();
    torch::Tensor go = grads[0].contiguous();
    const int64_t n = dims(xp, 0), c = dims(xp, 1), hp = dims(xp, 2), wp = dims(xp, 3), k = dims(w, 2), ho = dims(go, 2), wo = dims(go, 3);
    const std::vector<int64_t> one{1, 1}, zero{0, 0}, dil{stride, stride};
    torch::Tensor gw = at::conv2d(xp.reshape({1, n * c, hp, wp}), go.reshape({n * c, 1, ho, wo}), c10::nullopt, one, zero, dil, n * c)
                           .narrow(2, 0, k)
                           .narrow(3, 0, k)
                           .reshape({n, c, k, k})
                           .sum(0)
                           .unsqueeze(1);
    torch::Tensor spread = go;
    if (stride > 1) {
      spread = torch::zeros({n, c, (ho - 1) * stride + 1, (wo - 1) * stride + 1}, go.options());
      spread.slice(2, 0, c10::nullopt, stride).slice(3, 0, c10::nullopt, stride).copy_(go);
    }
    const int64_t eh = hp - (spread.size(2) + k - 1), ew = wp - (spread.size(3) + k - 1);
    torch::Tensor gx = at::conv2d(at::constant_pad_nd(spread, {k - 1, k - 1 + ew, k - 1, k - 1 + eh}, 0), w.flip({2, 3}), c10::nullopt, one, zero, one, c);
    return {gx, gw, torch::Tensor()};
  }
};

/** Float token ids NCHW [N, 1, L, 1] → [N, units, L, 1]: rows of `table` [vocab, units], ids rounded. */
torch::Tensor embedLookup(const torch::Tensor& x, const torch::Tensor& table) {
  torch::Tensor ids = x.reshape({x.size(0), x.size(2)}).round().to(torch::kLong);
  return at::embedding(table, ids).permute({0, 2, 1}).unsqueeze(3);
}

/** γ(x − μ)/max(σ, ε) + β over the channels (dim 1), as sqrt(max(σ², ε²)) so a constant row has a finite gradient. */
torch::Tensor layerNormOp(const torch::Tensor& x, const torch::Tensor& gamma, const torch::Tensor& beta, double eps) {
  torch::Tensor d = x - x.mean({1}, true);
  torch::Tensor sigma = d.square().mean({1}, true).clamp_min(eps * eps).sqrt();
  std::vector<int64_t> view(x.dim(), 1);
  view[1] = -1;
  return d / sigma * gamma.view(view) + beta.view(view);
}

/** Multi-head attention of q, k, v NCHW [N, C, L, 1]: head h on channels [h·d, (h+1)·d). */
torch::Tensor attentionOp(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, int64_t heads) {
  const int64_t n = q.size(0), c = q.size(1), l = q.size(2), d = c / heads;
  // [N, C, L, 1] → [N, heads, L, d]
  auto split = [&](const torch::Tensor& t) { return t.reshape({n, heads, d, l}).transpose(2, 3); };
  torch::Tensor scores = at::matmul(split(q), split(k).transpose(2, 3)) / std::sqrt(static_cast<double>(d));
  torch::Tensor out = at::matmul(scores.softmax(-1), split(v));  // [N, heads, L, d]
  return out.transpose(2, 3).reshape({n, c, l, 1});
}

}  // namespace

std::string shapeString(const torch::Tensor& t) { return shapeOf(t.sizes().vec()); }

std::pair<int64_t, int64_t> tfSamePad(int64_t in, int64_t k, int64_t s) { return samePad(in, k, s); }

torch::Tensor depthwiseFastBackward(const torch::Tensor& xp, const torch::Tensor& w, int64_t stride) { return DepthwiseConv::apply(xp, w, stride); }

GraphNet::GraphNet(GraphSpec spec, uint64_t seed, torch::Device device, bool fastDepthwise)
    : spec_(std::move(spec)), device_(device), fastDepthwise_(fastDepthwise) {
  if (spec_.input.size() != 3) throw GraphError("the graph input must be [H, W, C]");
  if (spec_.output < 0 || spec_.output >= static_cast<int>(spec_.nodes.size())) throw GraphError("the graph output is not one of its nodes");
  auto gen = at::detail::createCPUGenerator(seed);
  auto opts = torch::TensorOptions().dtype(torch::kFloat32);
  params_.resize(spec_.nodes.size());
  for (size_t i = 0; i < spec_.nodes.size(); ++i) {
    const NodeSpec& n = spec_.nodes[i];
    if (n.inputs.empty()) throw GraphError("graph node " + n.id + " (" + n.op + ") has no inputs");
    for (int in : n.inputs)
      if (in < -1 || in >= static_cast<int>(i)) throw GraphError("graph node " + n.id + " reads a tensor that is not computed before it");
    const std::vector<int64_t>& inShape = n.inputs[0] < 0 ? spec_.input : spec_.nodes[n.inputs[0]].shape;
    if (inShape.empty()) throw GraphError("graph node " + n.id + ": its input has no shape");
    int64_t cin = inShape.back();
    Params& p = params_[i];
    p.cin = cin;
    const int64_t k = n.kernel, kw = n.kernelW;
    const bool window = k >= 1 && kw >= 1 && n.stride >= 1 && n.strideW >= 1;
    if (n.op == "Conv2D") {
      if (n.filters < 1 || !window) throw GraphError("graph node " + n.id + ": Conv2D needs filters, kernel, kernelW, stride and strideW >= 1");
      double stdv = std::sqrt(2.0 / static_cast<double>(k * kw * cin));
      p.weight = torch::empty({n.filters, cin, k, kw}, opts).normal_(0.0, stdv, gen);
      if (n.useBias) p.bias = torch::zeros({n.filters}, opts);
    } else if (n.op == "DepthwiseConv2D") {
      if (!window) throw GraphError("graph node " + n.id + ": DepthwiseConv2D needs kernel, kernelW, stride and strideW >= 1");
      double stdv = std::sqrt(2.0 / static_cast<double>(k * kw));
      p.weight = torch::empty({cin, 1, k, kw}, opts).normal_(0.0, stdv, gen);
      if (n.useBias) p.bias = torch::zeros({cin}, opts);
    } else if (n.op == "Embedding") {
      if (n.vocab < 1 || n.units < 1) throw GraphError("graph node " + n.id + ": Embedding needs vocab and units >= 1");
      if (cin != 1 || inShape.size() != 3 || inShape[1] != 1) throw GraphError("graph node " + n.id + ": Embedding needs token ids [L, 1, 1], got " + shapeOf(inShape));
      p.weight = torch::empty({n.vocab, n.units}, opts).uniform_(-0.05, 0.05, gen);
    } else if (n.op == "LayerNorm") {
      p.gamma = torch::ones({cin}, opts);
      p.beta = torch::zeros({cin}, opts);
    } else if (n.op == "Attention") {
      if (n.inputs.size() != 3) throw GraphError("graph node " + n.id + ": Attention takes q, k and v");
      if (n.heads < 1 || cin % n.heads != 0) throw GraphError("graph node " + n.id + ": Attention heads (" + std::to_string(n.heads) + ") must divide the " + std::to_string(cin) + " channels");
      if (inShape.size() != 3 || inShape[1] != 1) throw GraphError("graph node " + n.id + ": Attention needs sequences [L, 1, C], got " + shapeOf(inShape));
    } else if (n.op == "Dense") {
      if (n.units < 1) throw GraphError("graph node " + n.id + ": Dense needs units >= 1");
      double limit = std::sqrt(6.0 / static_cast<double>(cin + n.units));
      p.weight = torch::empty({n.units, cin}, opts).uniform_(-limit, limit, gen);
      if (n.useBias) p.bias = torch::zeros({n.units}, opts);
    } else if (n.op == "BatchNorm") {
      p.gamma = torch::ones({cin}, opts);
      p.beta = torch::zeros({cin}, opts);
      p.mean = torch::zeros({cin}, opts);
      p.var = torch::ones({cin}, opts);
    } else if (n.op == "ReLU" || n.op == "ReLU6" || n.op == "Sigmoid" || n.op == "Tanh" || n.op == "MaxPool" || n.op == "AvgPool" ||
               n.op == "GlobalAvgPool" || n.op == "Add" || n.op == "Mul" || n.op == "Concat" || n.op == "Reshape" || n.op == "Zero") {
      if ((n.op == "MaxPool" || n.op == "AvgPool") && !window) throw GraphError("graph node " + n.id + ": pooling needs kernel, kernelW, stride and strideW >= 1");
    } else {
      throw GraphError("graph node " + n.id + ": the libtorch engine has no op " + n.op);
    }
  }
  for (torch::Tensor* t : tensors()) *t = t->to(device_);
  for (auto& p : params_) {
    for (torch::Tensor* t : {&p.weight, &p.bias, &p.gamma, &p.beta})
      if (t->defined()) t->set_requires_grad(true);
  }
  // One inference pass checks every node's shape against the graph's.
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> outs(spec_.nodes.size());
  torch::Tensor x = torch::zeros({1, spec_.input[2], spec_.input[0], spec_.input[1]}, opts.device(device_));
  for (size_t i = 0; i < spec_.nodes.size(); ++i) {
    const NodeSpec& n = spec_.nodes[i];
    std::vector<torch::Tensor> xs;
    for (int in : n.inputs) xs.push_back(in < 0 ? x : outs[in]);
    outs[i] = apply(i, xs, false);
    std::vector<int64_t> got = outs[i].sizes().vec();
    got.erase(got.begin());
    if (got.size() == 3) got = {got[1], got[2], got[0]};  // NCHW -> HWC
    if (got != n.shape) throw GraphError("graph node " + n.id + " (" + n.op + "): libtorch computes " + shapeOf(got) + ", the graph says " + shapeOf(n.shape));
  }
  const std::vector<int64_t>& out = spec_.nodes[spec_.output].shape;
  if (out.size() != 1 || out[0] != spec_.classes) throw GraphError("the graph output " + spec_.nodes[spec_.output].id + " has shape " + shapeOf(out) + ", not [classes]");
}

torch::Tensor GraphNet::apply(size_t i, const std::vector<torch::Tensor>& xs, bool training) {
  const NodeSpec& n = spec_.nodes[i];
  Params& p = params_[i];
  const torch::Tensor& x = xs[0];
  const int64_t k = n.kernel, s = n.stride, kw = n.kernelW, sw = n.strideW;
  try {
    if (n.op == "Conv2D" || n.op == "DepthwiseConv2D") {
      auto ph = samePad(x.size(2), k, s);
      auto pw = samePad(x.size(3), kw, sw);
      int64_t groups = n.op == "DepthwiseConv2D" ? x.size(1) : 1;
      c10::optional<torch::Tensor> bias = p.bias.defined() ? c10::optional<torch::Tensor>(p.bias) : c10::nullopt;
      const bool square = k == kw && s == sw;  // Frontier's depthwise backward handles square windows only
      if (n.op == "DepthwiseConv2D" && square && fastDepthwise_ && (s == 1 || k >= 5) && training && torch::GradMode::is_enabled() && x.device().is_cpu()) {
        torch::Tensor xp = ph.first || ph.second || pw.first || pw.second ? at::constant_pad_nd(x, {pw.first, pw.second, ph.first, ph.second}, 0) : x;
        torch::Tensor y = DepthwiseConv::apply(xp, p.weight, s);
        return p.bias.defined() ? y + p.bias.view({1, -1, 1, 1}) : y;
      }
      const std::vector<int64_t> stride{s, sw}, dilation{1, 1};
      if (ph.first == ph.second && pw.first == pw.second) return at::conv2d(x, p.weight, bias, stride, std::vector<int64_t>{ph.first, pw.first}, dilation, groups);
      return at::conv2d(at::constant_pad_nd(x, {pw.first, pw.second, ph.first, ph.second}, 0), p.weight, bias, stride, std::vector<int64_t>{0, 0}, dilation, groups);
    }
    if (n.op == "Dense") {
      c10::optional<torch::Tensor> bias = p.bias.defined() ? c10::optional<torch::Tensor>(p.bias) : c10::nullopt;
      return at::linear(x, p.weight, bias);
    }
    if (n.op == "BatchNorm") {
      double momentum = recalibrating_ >= 0 ? 1.0 / (recalibrating_ + 1) : 1.0 - n.momentum;
      return at::batch_norm(x, p.gamma, p.beta, p.mean, p.var, training, momentum, n.epsilon, true);
    }
    if (n.op == "ReLU") return at::relu(x);
    if (n.op == "ReLU6") return at::hardtanh(x, 0.0, 6.0);
    if (n.op == "Sigmoid") return at::sigmoid(x);
    if (n.op == "Tanh") return at::tanh(x);
    if (n.op == "MaxPool" || n.op == "AvgPool") {
      auto ph = samePad(x.size(2), k, s);
      auto pw = samePad(x.size(3), kw, sw);
      bool symmetric = ph.first == ph.second && pw.first == pw.second;
      if (n.op == "MaxPool") {
        if (symmetric) return at::max_pool2d(x, {k, kw}, {s, sw}, {ph.first, pw.first});
        return at::max_pool2d(at::constant_pad_nd(x, {pw.first, pw.second, ph.first, ph.second}, -std::numeric_limits<double>::infinity()), {k, kw}, {s, sw});
      }
      if (symmetric) return at::avg_pool2d(x, {k, kw}, {s, sw}, {ph.first, pw.first}, false, /*count_include_pad=*/false);
      // Zero padding counted out of the mean: window sums over the padded tensor, divided by the
      // number of real elements in each window.
      torch::Tensor sum = at::avg_pool2d(at::constant_pad_nd(x, {pw.first, pw.second, ph.first, ph.second}, 0), {k, kw}, {s, sw}, {0, 0}, false, true);
      if (!p.poolDivisor.defined() || p.poolDivisor.size(2) != sum.size(2) || p.poolDivisor.size(3) != sum.size(3)) {
        torch::NoGradGuard no_grad;
        torch::Tensor ones = torch::ones({1, 1, x.size(2), x.size(3)}, x.options().requires_grad(false));
        p.poolDivisor = at::avg_pool2d(at::constant_pad_nd(ones, {pw.first, pw.second, ph.first, ph.second}, 0), {k, kw}, {s, sw}, {0, 0}, false, true);
      }
      return sum / p.poolDivisor;
    }
    if (n.op == "GlobalAvgPool") return x.mean({2, 3}, n.keepDims);
    if (n.op == "Add") {
      torch::Tensor y = xs[0];
      for (size_t j = 1; j < xs.size(); ++j) y = y + xs[j];
      return y;
    }
    if (n.op == "Mul") return xs[0] * xs[1];
    if (n.op == "Concat") return at::cat(xs, 1);
    if (n.op == "Reshape") return x.dim() == 4 ? x.permute({0, 2, 3, 1}).flatten(1) : x.flatten(1);
    if (n.op == "Zero") return at::zeros_like(x);
    if (n.op == "Embedding") return embedLookup(x, p.weight);
    if (n.op == "LayerNorm") return layerNormOp(x, p.gamma, p.beta, n.epsilon);
    if (n.op == "Attention") return attentionOp(xs[0], xs[1], xs[2], n.heads);
  } catch (const c10::Error& e) {
    std::string shapes;
    for (const auto& t : xs) shapes += (shapes.empty() ? "" : ", ") + shapeString(t);
    throw GraphError("graph node " + n.id + " (" + n.op + ") on input " + shapes + " (NCHW): " + libtorchMessage(e));
  }
  throw GraphError("graph node " + n.id + ": the libtorch engine has no op " + n.op);
}

torch::Tensor GraphNet::forward(const torch::Tensor& x, bool training) {
  std::vector<torch::Tensor> outs(spec_.nodes.size());
  for (size_t i = 0; i < spec_.nodes.size(); ++i) {
    const NodeSpec& n = spec_.nodes[i];
    std::vector<torch::Tensor> xs;
    xs.reserve(n.inputs.size());
    for (int in : n.inputs) xs.push_back(in < 0 ? x : outs[in]);
    outs[i] = apply(i, xs, training);
  }
  if (training && recalibrating_ >= 0) ++recalibrating_;
  return outs[spec_.output];
}

std::vector<torch::Tensor*> GraphNet::tensors() {
  std::vector<torch::Tensor*> out;
  for (auto& p : params_)
    for (torch::Tensor* t : {&p.weight, &p.bias, &p.gamma, &p.beta, &p.mean, &p.var})
      if (t->defined()) out.push_back(t);
  return out;
}

std::vector<torch::Tensor> GraphNet::parameters() const {
  std::vector<torch::Tensor> out;
  for (const auto& p : params_)
    for (const torch::Tensor* t : {&p.weight, &p.bias, &p.gamma, &p.beta})
      if (t->defined()) out.push_back(*t);
  return out;
}

int64_t GraphNet::paramCount() const {
  int64_t n = 0;
  for (const auto& p : params_)
    for (const torch::Tensor* t : {&p.weight, &p.bias, &p.gamma, &p.beta, &p.mean, &p.var})
      if (t->defined()) n += t->numel();
  return n;
}

std::map<std::string, torch::Tensor> GraphNet::kerasWeights(bool grads) const {
  std::map<std::string, torch::Tensor> out;
  for (size_t i = 0; i < spec_.nodes.size(); ++i) {
    const NodeSpec& n = spec_.nodes[i];
    const Params& p = params_[i];
    auto value = [&](const torch::Tensor& t) { return grads ? (t.grad().defined() ? t.grad() : torch::zeros_like(t)) : t; };
    auto put = [&](const char* kind, const torch::Tensor& t) { out[n.id + "/" + kind] = t.detach().to(torch::kCPU).contiguous(); };
    if (n.op == "Conv2D") put("kernel", value(p.weight).permute({2, 3, 1, 0}));
    if (n.op == "DepthwiseConv2D") put("kernel", value(p.weight).permute({2, 3, 0, 1}));
    if (n.op == "Dense") put("kernel", value(p.weight).t());
    if (n.op == "Embedding") put("embeddings", value(p.weight));
    if (p.bias.defined()) put("bias", value(p.bias));
    if (n.op == "LayerNorm") {
      put("gamma", value(p.gamma));
      put("beta", value(p.beta));
    }
    if (n.op == "BatchNorm") {
      put("gamma", value(p.gamma));
      put("beta", value(p.beta));
      if (!grads) {
        put("movingMean", p.mean);
        put("movingVariance", p.var);
      }
    }
  }
  return out;
}

std::map<std::string, torch::Tensor> GraphNet::kerasGradients(const torch::Tensor& x, const torch::Tensor& y) {
  std::vector<torch::Tensor> saved = snapshot();  // the forward pass in training mode moves BatchNorm statistics
  for (auto& t : parameters()) t.mutable_grad() = torch::Tensor();
  at::cross_entropy_loss(forward(x, true), y).backward();
  auto out = kerasWeights(true);
  for (auto& t : parameters()) t.mutable_grad() = torch::Tensor();
  restore(saved);
  return out;
}

void GraphNet::setKerasWeight(const std::string& name, const float* data, size_t count) {
  size_t slash = name.rfind('/');
  if (slash == std::string::npos) throw GraphError("weight name " + name + " is not <node id>/<kind>");
  std::string id = name.substr(0, slash), kind = name.substr(slash + 1);
  for (size_t i = 0; i < spec_.nodes.size(); ++i) {
    if (spec_.nodes[i].id != id) continue;
    const NodeSpec& n = spec_.nodes[i];
    Params& p = params_[i];
    torch::Tensor* target = nullptr;
    std::vector<int64_t> keras;  // the Keras shape of the incoming data
    std::vector<int64_t> toTorch;
    if (kind == "kernel" && n.op == "Conv2D") {
      target = &p.weight;
      keras = {n.kernel, n.kernelW, p.cin, n.filters};
      toTorch = {3, 2, 0, 1};
    } else if (kind == "kernel" && n.op == "DepthwiseConv2D") {
      target = &p.weight;
      keras = {n.kernel, n.kernelW, p.cin, 1};
      toTorch = {2, 3, 0, 1};
    } else if (kind == "kernel" && n.op == "Dense") {
      target = &p.weight;
      keras = {p.cin, n.units};
      toTorch = {1, 0};
    } else if (kind == "embeddings" && n.op == "Embedding") {
      target = &p.weight;
    } else if (kind == "bias" && p.bias.defined()) {
      target = &p.bias;
    } else if (kind == "gamma" && p.gamma.defined()) {
      target = &p.gamma;
    } else if (kind == "beta" && p.beta.defined()) {
      target = &p.beta;
    } else if (kind == "movingMean" && p.mean.defined()) {
      target = &p.mean;
    } else if (kind == "movingVariance" && p.var.defined()) {
      target = &p.var;
    }
    if (!target) throw GraphError("graph node " + id + " (" + n.op + ") has no weight " + kind);
    if (keras.empty()) keras = target->sizes().vec();
    int64_t want = 1;
    for (int64_t d : keras) want *= d;
    if (static_cast<int64_t>(count) != want) throw GraphError("weight " + name + " has " + std::to_string(count) + " values, the node needs " + std::to_string(want) + " " + shapeOf(keras));
    torch::Tensor src = torch::from_blob(const_cast<float*>(data), keras, torch::kFloat32);
    if (!toTorch.empty()) src = src.permute(toTorch);
    torch::NoGradGuard no_grad;
    target->copy_(src);
    return;
  }
  throw GraphError("weight " + name + ": the graph has no node " + id);
}

std::vector<torch::Tensor> GraphNet::snapshot() const {
  std::vector<torch::Tensor> out;
  for (const auto& p : params_)
    for (const torch::Tensor* t : {&p.weight, &p.bias, &p.gamma, &p.beta, &p.mean, &p.var})
      if (t->defined()) out.push_back(t->detach().clone());
  return out;
}

void GraphNet::restore(const std::vector<torch::Tensor>& s) {
  torch::NoGradGuard no_grad;
  auto ts = tensors();
  if (ts.size() != s.size()) throw GraphError("a weight snapshot of another graph");
  for (size_t i = 0; i < ts.size(); ++i) ts[i]->copy_(s[i]);
}

void GraphNet::beginRecalibration() {
  torch::NoGradGuard no_grad;
  for (auto& p : params_) {
    if (p.mean.defined()) p.mean.zero_();
    if (p.var.defined()) p.var.fill_(1);
  }
  recalibrating_ = 0;
}

void GraphNet::endRecalibration() { recalibrating_ = -1; }

}  // namespace frontier
