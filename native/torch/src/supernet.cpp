#include "supernet.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "gate.h"
#include "graph_net.h"
#include "jobs.h"

namespace frontier {
namespace {

using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

/** Hidden channels of an MBConv, as mbConv in main/core/graph/mobilenet.ts: max(1, Math.round(cin·e)). */
int64_t hiddenOf(int64_t cin, double e) { return std::max<int64_t>(1, static_cast<int64_t>(std::floor(static_cast<double>(cin) * e + 0.5))); }
/** seChannels in mobilenet.ts. */
int64_t seOf(int64_t cin) { return std::max<int64_t>(1, cin / 4); }

torch::Tensor clip6(const torch::Tensor& x) { return at::hardtanh(x, 0.0, 6.0); }

/** A 'same'-padded convolution (dense or depthwise) of NCHW `x` with a possibly sliced weight. */
torch::Tensor sameConv(const torch::Tensor& x, const torch::Tensor& w, const c10::optional<torch::Tensor>& bias, int64_t stride, bool depthwise, bool training) {
  const int64_t k = w.size(2);
  auto ph = tfSamePad(x.size(2), k, stride);
  auto pw = tfSamePad(x.size(3), k, stride);
  const int64_t groups = depthwise ? x.size(1) : 1;
  if (depthwise && (stride == 1 || k >= 5) && training && torch::GradMode::is_enabled() && x.device().is_cpu()) {
    torch::Tensor xp = ph.first || ph.second || pw.first || pw.second ? at::constant_pad_nd(x, {pw.first, pw.second, ph.first, ph.second}, 0) : x;
    torch::Tensor y = depthwiseFastBackward(xp, w.contiguous(), stride);
    return bias ? y + bias->view({1, -1, 1, 1}) : y;
  }
  const std::vector<int64_t> s{stride, stride}, dil{1, 1};
  if (ph.first == ph.second && pw.first == pw.second) return at::conv2d(x, w, bias, s, std::vector<int64_t>{ph.first, pw.first}, dil, groups);
  return at::conv2d(at::constant_pad_nd(x, {pw.first, pw.second, ph.first, ph.second}, 0), w, bias, s, std::vector<int64_t>{0, 0}, dil, groups);
}

std::string num(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}

}  // namespace

Supernet::Supernet(SupernetSpec spec, uint64_t seed, torch::Device device) : spec_(std::move(spec)), device_(device) {
  if (spec_.input.size() != 3 || spec_.input[0] < 1 || spec_.input[1] < 1 || spec_.input[2] < 1) throw GraphError("supernet: the input must be [H, W, C]");
  if (spec_.classes < 1) throw GraphError("supernet: classes must be >= 1");
  if (spec_.stages.empty()) throw GraphError("supernet: the space has no stages");
  if (spec_.kernels.empty() || spec_.expansions.empty()) throw GraphError("supernet: kernels and expansions must not be empty");
  for (int64_t k : spec_.kernels)
    if (k < 1 || k % 2 == 0) throw GraphError("supernet: kernel " + std::to_string(k) + " must be odd (the smaller kernels are the centre of the largest)");
  for (double e : spec_.expansions)
    if (!(e > 0)) throw GraphError("supernet: expansions must be > 0");
  kMax_ = *std::max_element(spec_.kernels.begin(), spec_.kernels.end());
  const double eMax = *std::max_element(spec_.expansions.begin(), spec_.expansions.end());
  bool anyExpand = std::any_of(spec_.expansions.begin(), spec_.expansions.end(), [](double e) { return e != 1; });
  auto gen = at::detail::createCPUGenerator(seed);
  auto opts = torch::TensorOptions().dtype(torch::kFloat32);
  auto conv = [&](int64_t out, int64_t in, int64_t k) { return torch::empty({out, in, k, k}, opts).normal_(0.0, std::sqrt(2.0 / static_cast<double>(k * k * in)), gen); };
  auto newBn = [&](int64_t c) { return BN{torch::ones({c}, opts), torch::zeros({c}, opts), torch::zeros({c}, opts), torch::ones({c}, opts)}; };
  const int64_t cin0 = spec_.input[2];
  stemW_ = conv(spec_.stem, cin0, 3);
  stemBn_ = newBn(spec_.stem);
  int64_t prevMax = spec_.stem;
  for (size_t i = 0; i < spec_.stages.size(); ++i) {
    const SuperStageSpec& st = spec_.stages[i];
    if (st.channels.empty() || st.depths.empty()) throw GraphError("supernet: stage " + std::to_string(i + 1) + " needs channels and depths");
    for (int64_t c : st.channels)
      if (c < 1) throw GraphError("supernet: stage channels must be >= 1");
    for (int64_t d : st.depths)
      if (d < 1) throw GraphError("supernet: stage depths must be >= 1");
    const int64_t cMax = *std::max_element(st.channels.begin(), st.channels.end());
    const int64_t dMax = *std::max_element(st.depths.begin(), st.depths.end());
    std::vector<Block> stage;
    for (int64_t j = 0; j < dMax; ++j) {
      Block b;
      b.cinMax = j == 0 ? prevMax : cMax;
      b.coutMax = cMax;
      b.hiddenMax = std::max(b.cinMax, hiddenOf(b.cinMax, eMax));
      b.seMax = seOf(b.cinMax);
      b.hasExpand = anyExpand;
      if (b.hasExpand) {
        b.expandW = conv(b.hiddenMax, b.cinMax, 1);
        b.expandBn = newBn(b.hiddenMax);
      }
      b.dwW = torch::empty({b.hiddenMax, 1, kMax_, kMax_}, opts).normal_(0.0, std::sqrt(2.0 / static_cast<double>(kMax_ * kMax_)), gen);
      b.dwBn = newBn(b.hiddenMax);
      if (spec_.squeezeExcite) {
        b.seReduceW = conv(b.seMax, b.hiddenMax, 1);
        b.seReduceB = torch::zeros({b.seMax}, opts);
        b.seExpandW = conv(b.hiddenMax, b.seMax, 1);
        b.seExpandB = torch::zeros({b.hiddenMax}, opts);
      }
      b.projW = conv(b.coutMax, b.hiddenMax, 1);
      b.projBn = newBn(b.coutMax);
      stage.push_back(std::move(b));
    }
    blocks_.push_back(std::move(stage));
    prevMax = cMax;
  }
  const double limit = std::sqrt(6.0 / static_cast<double>(prevMax + spec_.classes));
  headW_ = torch::empty({spec_.classes, prevMax}, opts).uniform_(-limit, limit, gen);
  headB_ = torch::zeros({spec_.classes}, opts);
  for (torch::Tensor* t : tensors()) *t = t->to(device_);
  for (auto& t : parameters()) t.set_requires_grad(true);
}

std::string Supernet::signature() const {
  std::ostringstream o;
  o << "mobilenet-supernet v1 input " << spec_.input[0] << "x" << spec_.input[1] << "x" << spec_.input[2] << " classes " << spec_.classes << " stem " << spec_.stem << "/" << spec_.stemStride
    << " kernels";
  for (auto k : spec_.kernels) o << " " << k;
  o << " expansions";
  for (auto e : spec_.expansions) o << " " << num(e);
  o << " se " << spec_.squeezeExcite << " stages";
  for (const auto& st : spec_.stages) {
    o << " [c";
    for (auto c : st.channels) o << " " << c;
    o << " s " << st.stride << " d";
    for (auto d : st.depths) o << " " << d;
    o << "]";
  }
  return o.str();
}

void Supernet::check(const ActiveNet& a) const {
  if (a.size() != spec_.stages.size()) throw GraphError("sub-network: " + std::to_string(a.size()) + " stages, the supernet has " + std::to_string(spec_.stages.size()));
  for (size_t i = 0; i < a.size(); ++i) {
    const auto& st = spec_.stages[i];
    const std::string where = "sub-network stage " + std::to_string(i + 1);
    if (std::find(st.channels.begin(), st.channels.end(), a[i].channels) == st.channels.end()) throw GraphError(where + ": " + std::to_string(a[i].channels) + " channels is not a width choice of the supernet");
    if (std::find(st.depths.begin(), st.depths.end(), static_cast<int64_t>(a[i].blocks.size())) == st.depths.end()) throw GraphError(where + ": depth " + std::to_string(a[i].blocks.size()) + " is not a choice");
    for (const auto& b : a[i].blocks) {
      if (std::find(spec_.kernels.begin(), spec_.kernels.end(), b.kernel) == spec_.kernels.end()) throw GraphError(where + ": kernel " + std::to_string(b.kernel) + " is not a choice");
      if (std::find(spec_.expansions.begin(), spec_.expansions.end(), b.expansion) == spec_.expansions.end()) throw GraphError(where + ": expansion " + num(b.expansion) + " is not a choice");
      if (b.se && !spec_.squeezeExcite) throw GraphError(where + ": squeeze-excite is not part of this supernet");
    }
  }
}

ActiveNet Supernet::largest() const {
  ActiveNet a;
  const int64_t k = kMax_;
  const double e = *std::max_element(spec_.expansions.begin(), spec_.expansions.end());
  for (const auto& st : spec_.stages) {
    ActiveStage s{*std::max_element(st.channels.begin(), st.channels.end()), {}};
    s.blocks.assign(static_cast<size_t>(*std::max_element(st.depths.begin(), st.depths.end())), ActiveBlock{k, e, spec_.squeezeExcite});
    a.push_back(s);
  }
  return a;
}

ActiveNet Supernet::smallest() const {
  ActiveNet a;
  const int64_t k = *std::min_element(spec_.kernels.begin(), spec_.kernels.end());
  const double e = *std::min_element(spec_.expansions.begin(), spec_.expansions.end());
  for (const auto& st : spec_.stages) {
    ActiveStage s{*std::min_element(st.channels.begin(), st.channels.end()), {}};
    s.blocks.assign(static_cast<size_t>(*std::min_element(st.depths.begin(), st.depths.end())), ActiveBlock{k, e, false});
    a.push_back(s);
  }
  return a;
}

ActiveNet Supernet::random(std::mt19937_64& rng) const {
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  ActiveNet a;
  for (const auto& st : spec_.stages) {
    ActiveStage s;
    const int64_t depth = st.depths[pick(st.depths.size())];
    s.channels = st.channels[pick(st.channels.size())];
    for (int64_t j = 0; j < depth; ++j) {
      ActiveBlock b;
      b.kernel = spec_.kernels[pick(spec_.kernels.size())];
      b.expansion = spec_.expansions[pick(spec_.expansions.size())];
      b.se = spec_.squeezeExcite && (rng() & 1);
      s.blocks.push_back(b);
    }
    a.push_back(s);
  }
  return a;
}

ActiveNet Supernet::pick(int mode, int elastic, std::mt19937_64& rng) const {
  auto choose = [&](const auto& list, bool isElastic) {
    if (!isElastic || mode == 0) return *std::max_element(list.begin(), list.end());
    if (mode == 1) return *std::min_element(list.begin(), list.end());
    return list[static_cast<size_t>(rng() % list.size())];
  };
  ActiveNet a;
  for (const auto& st : spec_.stages) {
    ActiveStage s;
    const int64_t depth = choose(st.depths, (elastic & Depth) != 0);
    s.channels = choose(st.channels, (elastic & Width) != 0);
    for (int64_t j = 0; j < depth; ++j) {
      ActiveBlock b;
      b.kernel = choose(spec_.kernels, (elastic & Kernel) != 0);
      b.expansion = choose(spec_.expansions, (elastic & Expansion) != 0);
      b.se = spec_.squeezeExcite && (!(elastic & Expansion) || mode == 0 || (mode == 2 && (rng() & 1)));
      s.blocks.push_back(b);
    }
    a.push_back(s);
  }
  return a;
}

torch::Tensor Supernet::bn(const torch::Tensor& x, BN& b, int64_t c, bool training) {
  double momentum = recalibrating_ >= 0 ? 1.0 / (recalibrating_ + 1) : 1.0 - spec_.momentum;
  return at::batch_norm(x, b.gamma.narrow(0, 0, c), b.beta.narrow(0, 0, c), b.mean.narrow(0, 0, c), b.var.narrow(0, 0, c), training, momentum, spec_.epsilon, true);
}

torch::Tensor Supernet::forward(const torch::Tensor& input, const ActiveNet& a, bool training) {
  torch::Tensor x = clip6(bn(sameConv(input, stemW_, c10::nullopt, spec_.stemStride, false, training), stemBn_, spec_.stem, training));
  int64_t cin = spec_.stem;
  for (size_t i = 0; i < a.size(); ++i) {
    const int64_t cout = a[i].channels;
    for (size_t j = 0; j < a[i].blocks.size(); ++j) {
      Block& p = blocks_[i][j];
      const ActiveBlock& ab = a[i].blocks[j];
      const int64_t stride = j == 0 ? spec_.stages[i].stride : 1;
      const int64_t hidden = hiddenOf(cin, ab.expansion);
      torch::Tensor h = x;
      if (ab.expansion != 1) h = clip6(bn(at::conv2d(x, p.expandW.narrow(0, 0, hidden).narrow(1, 0, cin)), p.expandBn, hidden, training));
      const int64_t off = (kMax_ - ab.kernel) / 2;
      torch::Tensor dw = p.dwW.narrow(0, 0, hidden).narrow(2, off, ab.kernel).narrow(3, off, ab.kernel);
      h = clip6(bn(sameConv(h, dw, c10::nullopt, stride, true, training), p.dwBn, hidden, training));
      if (ab.se) {
        const int64_t sq = seOf(cin);
        torch::Tensor g = h.mean({2, 3}, true);
        g = at::relu(at::conv2d(g, p.seReduceW.narrow(0, 0, sq).narrow(1, 0, hidden), p.seReduceB.narrow(0, 0, sq)));
        g = at::sigmoid(at::conv2d(g, p.seExpandW.narrow(0, 0, hidden).narrow(1, 0, sq), p.seExpandB.narrow(0, 0, hidden)));
        h = h * g;
      }
      h = bn(at::conv2d(h, p.projW.narrow(0, 0, cout).narrow(1, 0, hidden)), p.projBn, cout, training);
      x = stride == 1 && cin == cout ? x + h : h;
      cin = cout;
    }
  }
  if (training && recalibrating_ >= 0) ++recalibrating_;
  return at::linear(x.mean({2, 3}), headW_.narrow(1, 0, cin), headB_);
}

std::vector<torch::Tensor*> Supernet::tensors() {
  std::vector<torch::Tensor*> out;
  auto addBn = [&](BN& b) {
    for (torch::Tensor* t : {&b.gamma, &b.beta, &b.mean, &b.var})
      if (t->defined()) out.push_back(t);
  };
  out.push_back(&stemW_);
  addBn(stemBn_);
  for (auto& stage : blocks_)
    for (auto& b : stage) {
      for (torch::Tensor* t : {&b.expandW, &b.dwW, &b.seReduceW, &b.seReduceB, &b.seExpandW, &b.seExpandB, &b.projW})
        if (t->defined()) out.push_back(t);
      addBn(b.expandBn);
      addBn(b.dwBn);
      addBn(b.projBn);
    }
  out.push_back(&headW_);
  out.push_back(&headB_);
  return out;
}

std::vector<torch::Tensor> Supernet::parameters() const {
  std::vector<torch::Tensor> out;
  auto ts = const_cast<Supernet*>(this)->tensors();
  for (torch::Tensor* t : ts) {
    // statistics are not parameters: they are the mean/var members of a BN
    bool stat = false;
    auto isStat = [&](const BN& b) { return t == &b.mean || t == &b.var; };
    stat = isStat(stemBn_);
    for (const auto& stage : blocks_)
      for (const auto& b : stage) stat = stat || isStat(b.expandBn) || isStat(b.dwBn) || isStat(b.projBn);
    if (!stat) out.push_back(*t);
  }
  return out;
}

int64_t Supernet::paramCount() const {
  int64_t n = 0;
  for (torch::Tensor* t : const_cast<Supernet*>(this)->tensors()) n += t->numel();
  return n;
}

namespace {

enum class Layout { Conv, Depthwise, Dense, Vector };

torch::Tensor toKeras(const torch::Tensor& t, Layout l) {
  torch::Tensor k = t.detach();
  if (l == Layout::Conv) k = k.permute({2, 3, 1, 0});
  if (l == Layout::Depthwise) k = k.permute({2, 3, 0, 1});
  if (l == Layout::Dense) k = k.t();
  return k.to(torch::kCPU).contiguous();
}

}  // namespace

std::map<std::string, torch::Tensor> Supernet::kerasWeights() const {
  std::map<std::string, torch::Tensor> out;
  auto putBn = [&](const std::string& id, const BN& b) {
    out[id + "/gamma"] = toKeras(b.gamma, Layout::Vector);
    out[id + "/beta"] = toKeras(b.beta, Layout::Vector);
    out[id + "/movingMean"] = toKeras(b.mean, Layout::Vector);
    out[id + "/movingVariance"] = toKeras(b.var, Layout::Vector);
  };
  out["stem.conv/kernel"] = toKeras(stemW_, Layout::Conv);
  putBn("stem.bn", stemBn_);
  for (size_t i = 0; i < blocks_.size(); ++i)
    for (size_t j = 0; j < blocks_[i].size(); ++j) {
      const Block& b = blocks_[i][j];
      const std::string id = "s" + std::to_string(i + 1) + ".b" + std::to_string(j + 1);
      if (b.hasExpand) {
        out[id + ".expand.conv/kernel"] = toKeras(b.expandW, Layout::Conv);
        putBn(id + ".expand.bn", b.expandBn);
      }
      out[id + ".dw.conv/kernel"] = toKeras(b.dwW, Layout::Depthwise);
      putBn(id + ".dw.bn", b.dwBn);
      if (b.seReduceW.defined()) {
        out[id + ".se.reduce/kernel"] = toKeras(b.seReduceW, Layout::Conv);
        out[id + ".se.reduce/bias"] = toKeras(b.seReduceB, Layout::Vector);
        out[id + ".se.expand/kernel"] = toKeras(b.seExpandW, Layout::Conv);
        out[id + ".se.expand/bias"] = toKeras(b.seExpandB, Layout::Vector);
      }
      out[id + ".project.conv/kernel"] = toKeras(b.projW, Layout::Conv);
      putBn(id + ".project.bn", b.projBn);
    }
  out["head.logits/kernel"] = toKeras(headW_, Layout::Dense);
  out["head.logits/bias"] = toKeras(headB_, Layout::Vector);
  return out;
}

std::map<std::string, torch::Tensor> Supernet::subnetWeights(const ActiveNet& a) const {
  check(a);
  std::map<std::string, torch::Tensor> out;
  auto putBn = [&](const std::string& id, const BN& b, int64_t c) {
    out[id + "/gamma"] = toKeras(b.gamma.narrow(0, 0, c), Layout::Vector);
    out[id + "/beta"] = toKeras(b.beta.narrow(0, 0, c), Layout::Vector);
    out[id + "/movingMean"] = toKeras(b.mean.narrow(0, 0, c), Layout::Vector);
    out[id + "/movingVariance"] = toKeras(b.var.narrow(0, 0, c), Layout::Vector);
  };
  out["stem.conv/kernel"] = toKeras(stemW_, Layout::Conv);
  putBn("stem.bn", stemBn_, spec_.stem);
  int64_t cin = spec_.stem;
  for (size_t i = 0; i < a.size(); ++i) {
    const int64_t cout = a[i].channels;
    for (size_t j = 0; j < a[i].blocks.size(); ++j) {
      const Block& p = blocks_[i][j];
      const ActiveBlock& ab = a[i].blocks[j];
      const std::string id = "s" + std::to_string(i + 1) + ".b" + std::to_string(j + 1);
      const int64_t hidden = hiddenOf(cin, ab.expansion);
      if (ab.expansion != 1) {
        out[id + ".expand.conv/kernel"] = toKeras(p.expandW.narrow(0, 0, hidden).narrow(1, 0, cin), Layout::Conv);
        putBn(id + ".expand.bn", p.expandBn, hidden);
      }
      const int64_t off = (kMax_ - ab.kernel) / 2;
      out[id + ".dw.conv/kernel"] = toKeras(p.dwW.narrow(0, 0, hidden).narrow(2, off, ab.kernel).narrow(3, off, ab.kernel), Layout::Depthwise);
      putBn(id + ".dw.bn", p.dwBn, hidden);
      if (ab.se) {
        const int64_t sq = seOf(cin);
        out[id + ".se.reduce/kernel"] = toKeras(p.seReduceW.narrow(0, 0, sq).narrow(1, 0, hidden), Layout::Conv);
        out[id + ".se.reduce/bias"] = toKeras(p.seReduceB.narrow(0, 0, sq), Layout::Vector);
        out[id + ".se.expand/kernel"] = toKeras(p.seExpandW.narrow(0, 0, hidden).narrow(1, 0, sq), Layout::Conv);
        out[id + ".se.expand/bias"] = toKeras(p.seExpandB.narrow(0, 0, hidden), Layout::Vector);
      }
      out[id + ".project.conv/kernel"] = toKeras(p.projW.narrow(0, 0, cout).narrow(1, 0, hidden), Layout::Conv);
      putBn(id + ".project.bn", p.projBn, cout);
      cin = cout;
    }
  }
  out["head.logits/kernel"] = toKeras(headW_.narrow(1, 0, cin), Layout::Dense);
  out["head.logits/bias"] = toKeras(headB_, Layout::Vector);
  return out;
}

void Supernet::setKerasWeight(const std::string& name, const float* data, size_t count) {
  // The target tensor and its layout, found by name.
  torch::Tensor* target = nullptr;
  Layout layout = Layout::Vector;
  auto matchBn = [&](const std::string& id, BN& b) {
    if (name == id + "/gamma") target = &b.gamma;
    if (name == id + "/beta") target = &b.beta;
    if (name == id + "/movingMean") target = &b.mean;
    if (name == id + "/movingVariance") target = &b.var;
  };
  if (name == "stem.conv/kernel") target = &stemW_, layout = Layout::Conv;
  matchBn("stem.bn", stemBn_);
  for (size_t i = 0; i < blocks_.size() && !target; ++i)
    for (size_t j = 0; j < blocks_[i].size() && !target; ++j) {
      Block& b = blocks_[i][j];
      const std::string id = "s" + std::to_string(i + 1) + ".b" + std::to_string(j + 1);
      if (name.rfind(id + ".", 0) != 0) continue;
      if (b.hasExpand && name == id + ".expand.conv/kernel") target = &b.expandW, layout = Layout::Conv;
      if (b.hasExpand) matchBn(id + ".expand.bn", b.expandBn);
      if (name == id + ".dw.conv/kernel") target = &b.dwW, layout = Layout::Depthwise;
      matchBn(id + ".dw.bn", b.dwBn);
      if (b.seReduceW.defined()) {
        if (name == id + ".se.reduce/kernel") target = &b.seReduceW, layout = Layout::Conv;
        if (name == id + ".se.reduce/bias") target = &b.seReduceB;
        if (name == id + ".se.expand/kernel") target = &b.seExpandW, layout = Layout::Conv;
        if (name == id + ".se.expand/bias") target = &b.seExpandB;
      }
      if (name == id + ".project.conv/kernel") target = &b.projW, layout = Layout::Conv;
      matchBn(id + ".project.bn", b.projBn);
    }
  if (name == "head.logits/kernel") target = &headW_, layout = Layout::Dense;
  if (name == "head.logits/bias") target = &headB_;
  if (!target) throw GraphError("the supernet has no weight " + name);
  torch::Tensor keras = toKeras(*target, layout);
  if (static_cast<int64_t>(count) != keras.numel())
    throw GraphError("weight " + name + " has " + std::to_string(count) + " values, the supernet's has " + std::to_string(keras.numel()) + " " + shapeString(keras));
  torch::Tensor src = torch::from_blob(const_cast<float*>(data), keras.sizes(), torch::kFloat32);
  if (layout == Layout::Conv) src = src.permute({3, 2, 0, 1});
  if (layout == Layout::Depthwise) src = src.permute({2, 3, 0, 1});
  if (layout == Layout::Dense) src = src.t();
  torch::NoGradGuard no_grad;
  target->copy_(src);
}

void Supernet::recalibrate(const ActiveNet& a, const torch::Tensor& x, int batches, int64_t batchSize, const std::function<bool()>& cancelled) {
  torch::NoGradGuard no_grad;
  auto reset = [](BN& b, int64_t c) {
    if (!b.mean.defined()) return;
    b.mean.narrow(0, 0, c).zero_();
    b.var.narrow(0, 0, c).fill_(1);
  };
  // Only the statistics this sub-network uses are reset and re-estimated.
  reset(stemBn_, spec_.stem);
  int64_t cin = spec_.stem;
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < a[i].blocks.size(); ++j) {
      const int64_t hidden = hiddenOf(cin, a[i].blocks[j].expansion);
      if (a[i].blocks[j].expansion != 1) reset(blocks_[i][j].expandBn, hidden);
      reset(blocks_[i][j].dwBn, hidden);
      reset(blocks_[i][j].projBn, a[i].channels);
      cin = a[i].channels;
    }
  recalibrating_ = 0;
  const int64_t n = x.size(0);
  try {
    for (int k = 0; k < batches && k * batchSize < n; ++k) {
      if (cancelled()) throw Cancelled();
      const int64_t m = std::min(batchSize, n - k * batchSize);
      if (m < 2) break;
      StepGuard guard;
      forward(x.narrow(0, k * batchSize, m), a, true);
    }
  } catch (...) {
    recalibrating_ = -1;
    throw;
  }
  recalibrating_ = -1;
}

EvalOutcome Supernet::evaluate(const ActiveNet& a, const Examples& data, int64_t batchSize, const std::function<bool()>& cancelled) {
  c10::InferenceMode inference;
  const int64_t n = data.y.size(0);
  if (n == 0) return {};
  torch::Tensor correct = torch::zeros({}, torch::TensorOptions().dtype(torch::kInt64).device(device_));
  torch::Tensor lossSum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(device_));
  for (int64_t i = 0; i < n; i += batchSize) {
    if (cancelled()) throw Cancelled();
    const int64_t m = std::min(batchSize, n - i);
    StepGuard step;
    torch::Tensor logits = forward(data.x.narrow(0, i, m), a, false);
    torch::Tensor yb = data.y.narrow(0, i, m);
    correct += logits.argmax(1).eq(yb).sum();
    lossSum += at::cross_entropy_loss(logits, yb, {}, at::Reduction::Sum).to(torch::kFloat64);
  }
  return {static_cast<double>(correct.item<int64_t>()) / n, lossSum.item<double>() / n};
}

namespace {

/** Writes an archive to `path` atomically (a temp file beside it, then renamed over it). */
void saveAtomically(torch::serialize::OutputArchive& archive, const std::string& path, const std::string& what) {
  const std::string tmp = path + ".tmp";
  try {
    archive.save_to(tmp);
  } catch (const c10::Error& e) {
    std::remove(tmp.c_str());
    throw GraphError("cannot write the " + what + " " + path + ": " + e.what_without_backtrace());
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw GraphError("cannot write the " + what + " " + path);
  }
}

}  // namespace

void Supernet::saveCheckpoint(const std::string& path, int64_t step, torch::optim::Optimizer* opt) {
  torch::serialize::OutputArchive archive;
  archive.write("signature", c10::IValue(signature()));
  archive.write("step", c10::IValue(step));
  auto ts = tensors();
  for (size_t i = 0; i < ts.size(); ++i) archive.write("t" + std::to_string(i), ts[i]->detach().to(torch::kCPU), true);
  if (opt) {
    torch::serialize::OutputArchive optimizer;
    opt->save(optimizer);
    archive.write("optimizer", optimizer);
  }
  saveAtomically(archive, path, opt ? "checkpoint" : "snapshot");
}

void Supernet::saveSubnetState(const std::string& path) {
  torch::serialize::OutputArchive archive;
  archive.write("signature", c10::IValue(signature()));
  archive.write("subnetState", c10::IValue(static_cast<int64_t>(subnetOpt_ ? 1 : 0)));
  if (subnetOpt_) {
    torch::serialize::OutputArchive optimizer;
    subnetOpt_->save(optimizer);
    archive.write("optimizer", optimizer);
  }
  saveAtomically(archive, path, "trainSubnets state");
}

void Supernet::loadSubnetState(const std::string& path) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path, device_);
  } catch (const c10::Error& e) {
    throw GraphError("cannot read the trainSubnets state " + path + ": " + e.what_without_backtrace());
  }
  c10::IValue sig, has;
  if (!archive.try_read("signature", sig) || !sig.isString() || !archive.try_read("subnetState", has) || !has.isInt())
    throw GraphError(path + " is not a supernet's trainSubnets state (saveSubnetState)");
  if (sig.toStringRef() != signature()) throw GraphError("the trainSubnets state " + path + " is of another supernet (" + sig.toStringRef() + "), not of this one (" + signature() + ")");
  if (has.toInt() == 0) {
    subnetOpt_.reset();
    return;
  }
  torch::serialize::InputArchive optimizer;
  if (!archive.try_read("optimizer", optimizer)) throw GraphError("the trainSubnets state " + path + " is damaged: it has no optimizer state");
  // Options (lr, momentum) are set by each trainSubnets call; the state (momentum buffers) is what is loaded.
  auto opt = std::make_unique<torch::optim::SGD>(parameters(), torch::optim::SGDOptions(0.05));
  try {
    opt->load(optimizer);
  } catch (const c10::Error& e) {
    throw GraphError("the trainSubnets state " + path + " does not fit this supernet: " + e.what_without_backtrace());
  }
  subnetOpt_ = std::move(opt);
}

namespace {

/** Reads a checkpoint's archive and checks it is of this supernet; returns its step. */
int64_t readCheckpoint(torch::serialize::InputArchive& archive, const std::string& path, const std::string& signature) {
  try {
    archive.load_from(path);
  } catch (const c10::Error& e) {
    throw GraphError("cannot read the supernet checkpoint " + path + ": " + e.what_without_backtrace());
  }
  c10::IValue sig, step;
  if (!archive.try_read("signature", sig) || !sig.isString() || !archive.try_read("step", step)) throw GraphError(path + " is not a Frontier supernet checkpoint");
  if (sig.toStringRef() != signature) throw GraphError("the checkpoint " + path + " is of another supernet (" + sig.toStringRef() + "), not of this one (" + signature + ")");
  return step.toInt();
}

}  // namespace

int64_t Supernet::loadCheckpoint(const std::string& path) {
  torch::serialize::InputArchive archive;
  const int64_t step = readCheckpoint(archive, path, signature());
  auto ts = tensors();
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < ts.size(); ++i) {
    torch::Tensor t;
    archive.read("t" + std::to_string(i), t, true);
    ts[i]->copy_(t);
  }
  return step;
}

SupernetTrainOutcome Supernet::train(const Examples& data, const SupernetTrainConfig& c, const std::function<void(const SupernetProgress&)>& report,
                                     const std::function<bool()>& cancelled) {
  auto started = Clock::now();
  SupernetTrainOutcome out;
  const int64_t n = data.y.size(0);
  const int64_t bs = std::min(c.batchSize, n);
  const int64_t perEpoch = std::max<int64_t>(1, n / bs);
  std::vector<torch::Tensor> params = parameters();
  std::unique_ptr<torch::optim::Optimizer> opt;
  if (c.sgd)
    opt = std::make_unique<torch::optim::SGD>(params, torch::optim::SGDOptions(c.lr).momentum(c.momentum).nesterov(c.momentum > 0).weight_decay(c.weightDecay));
  else
    opt = std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(c.lr).eps(1e-7).weight_decay(c.weightDecay));
  auto setLr = [&](double lr) {
    auto& o = opt->param_groups()[0].options();
    if (c.sgd) static_cast<torch::optim::SGDOptions&>(o).lr(lr);
    else static_cast<torch::optim::AdamOptions&>(o).lr(lr);
  };
  int64_t step = 0;
  if (!c.checkpoint.empty() && std::ifstream(c.checkpoint).good()) {
    torch::serialize::InputArchive archive;
    step = readCheckpoint(archive, c.checkpoint, signature());
    auto ts = tensors();
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < ts.size(); ++i) {
      torch::Tensor t;
      archive.read("t" + std::to_string(i), t, true);
      ts[i]->copy_(t.to(device_));
    }
    torch::serialize::InputArchive optimizer;
    if (archive.try_read("optimizer", optimizer)) opt->load(optimizer);
    out.resumedFrom = step;
  }
  torch::Tensor perm;
  int64_t permEpoch = -1;
  double windowLoss = 0;
  int64_t windowSteps = 0, images = 0;
  const uint64_t seedMix = c.seed * 0x9E3779B97F4A7C15ULL;
  auto checkpoint = [&] {
    if (c.checkpoint.empty()) return;
    saveCheckpoint(c.checkpoint, step, opt.get());
    out.checkpointed = true;
  };
  while (step < c.steps) {
    if (cancelled()) {
      checkpoint();
      out.cancelled = true;
      break;
    }
    // Batches and sub-networks are functions of (seed, step): a resumed training continues exactly.
    const int64_t epoch = step / perEpoch, b = step % perEpoch;
    if (epoch != permEpoch) {
      auto gen = at::detail::createCPUGenerator(seedMix + static_cast<uint64_t>(epoch) + 1);
      perm = torch::randperm(n, gen, torch::TensorOptions().dtype(torch::kInt64)).to(device_);
      permEpoch = epoch;
    }
    std::mt19937_64 rng(seedMix ^ (static_cast<uint64_t>(step) * 0xD1B54A32D192ED03ULL + 7));
    const double lr = c.cosine ? c.lr * (1 + std::cos(M_PI * static_cast<double>(step) / static_cast<double>(c.steps))) / 2 : c.lr;
    setLr(lr);
    const double f = static_cast<double>(step) / static_cast<double>(c.steps);
    const int elastic = !c.progressive ? All : f < 0.2 ? 0 : f < 0.4 ? Kernel : f < 0.6 ? Kernel | Depth : All;
    std::vector<ActiveNet> nets;
    if (c.sandwich < 0) {
      nets.push_back(pick(2, elastic, rng));
    } else {
      nets.push_back(largest());
      if (elastic != 0) {
        nets.push_back(pick(1, elastic, rng));
        for (int k = 0; k < c.sandwich; ++k) nets.push_back(pick(2, elastic, rng));
      }
    }
    const bool distill = c.distill && c.sandwich >= 0;
    double stepLoss = 0;
    {
      StepGuard guard;
      torch::Tensor idx = perm.narrow(0, b * bs, bs);
      torch::Tensor xb = data.x.index_select(0, idx);
      torch::Tensor yb = data.y.index_select(0, idx);
      for (auto& p : params) p.mutable_grad() = torch::Tensor();
      torch::Tensor total = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(device_));
      torch::Tensor teacher;
      for (size_t k = 0; k < nets.size(); ++k) {
        torch::Tensor logits = forward(xb, nets[k], true);
        torch::Tensor loss;
        if (k > 0 && distill) {
          loss = -(teacher * at::log_softmax(logits, 1)).sum(1).mean();
        } else {
          loss = at::cross_entropy_loss(logits, yb);
          if (k == 0 && distill) teacher = at::softmax(logits.detach(), 1);
        }
        loss.backward();
        total += loss.detach().to(torch::kFloat64);
      }
      stepLoss = total.item<double>() / static_cast<double>(nets.size());
      if (!std::isfinite(stepLoss)) {
        out.divergedAt = step;
        out.divergedLoss = std::isnan(stepLoss) ? "NaN" : (stepLoss > 0 ? "Infinity" : "-Infinity");
        break;  // the last checkpoint stays the one to resume from
      }
      opt->step();
    }
    ++step;
    images += bs * static_cast<int64_t>(nets.size());
    windowLoss += stepLoss;
    ++windowSteps;
    if (c.snapshotEvery > 0 && step % c.snapshotEvery == 0) {
      std::string file = c.snapshotPath;
      file.replace(file.find("{step}"), 6, std::to_string(step));
      saveCheckpoint(file, step, nullptr);
    }
    if (step % c.checkpointEvery == 0 || step == c.steps) checkpoint();
    if (step % c.reportEvery == 0 || step == c.steps) {
      out.loss = windowLoss / windowSteps;
      report(SupernetProgress{step, c.steps, out.loss, lr, secondsSince(started)});
      windowLoss = 0;
      windowSteps = 0;
    }
  }
  if (windowSteps > 0) out.loss = windowLoss / windowSteps;
  out.steps = step;
  out.seconds = secondsSince(started);
  out.imagesPerSecond = out.seconds > 0 ? images / out.seconds : 0;
  return out;
}

}  // namespace frontier
