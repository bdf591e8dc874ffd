// Weight-sharing search on the NAS-Bench-201 cell: one network whose every cell edge holds all five
// NB201 operations, driven two ways.
//  * DARTS (Liu et al., ICLR 2019): each edge outputs the softmax(alpha)-weighted sum of its
//    operations; weights (train split) and alpha (validation split) are optimised in alternation,
//    first order (alpha's gradient at the current weights) or second order (the unrolled one-step
//    gradient, its Hessian-vector product by finite differences, the paper's eq. 7-8).
//  * ENAS (Pham et al., ICML 2018): a cell with one operation per edge runs forward with the shared
//    weights; the controller (TypeScript) asks for weight steps on cells it samples and for the
//    validation accuracy of cells on a batch each (its reward).
// The JavaScript face is Nb201OneShot (see main/services/train/one-shot-engine.ts).
#pragma once
#include <napi.h>

#include <atomic>
#include <memory>
#include <vector>

#include <torch/torch.h>

#include "jobs.h"

namespace frontier {

/** The NB201 operations, in the benchmark's digit order. */
enum Nb201Op { kNone = 0, kSkip = 1, kConv1 = 2, kConv3 = 3, kPool = 4 };
constexpr int kEdges = 6;
constexpr int kOps = 5;

struct OneShotSpec {
  int64_t h = 28, w = 28, c = 1, classes = 10;
  int64_t channels = 16;   // first stage's width (NB201: 16)
  int cellsPerStage = 1;   // NB201: 5
  int stages = 3;          // 3: NB201's (two residual reductions); 1: cells at the input's resolution
  bool stem3x3 = true;     // false: a 1x1 stem (the toy task's, so that only cells see space)
};

/** The shared weights and the architecture parameters. */
class OneShotNet {
 public:
  OneShotNet(const OneShotSpec& s, uint64_t seed, torch::Device d);
  /** Logits. `weights` [6,5] (mixed edges) or `ops` (one op per edge, ENAS); exactly one is given. */
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& weights, const int* ops);
  const std::vector<torch::Tensor>& weights() const { return params_; }
  torch::Tensor& alpha() { return alpha_; }
  torch::Device device() const { return device_; }
  const OneShotSpec& spec() const { return spec_; }
  int64_t paramCount() const;

 private:
  struct Conv { torch::Tensor w; int64_t stride = 1, pad = 0; };
  struct Bn { torch::Tensor g, b; };
  struct ReluConvBn { Conv conv; Bn bn; };
  struct Cell { ReluConvBn e1[kEdges], e3[kEdges]; };
  struct Res { ReluConvBn a, b; Conv shortcut; };
  torch::Tensor rcb(const ReluConvBn& m, const torch::Tensor& x) const;
  torch::Tensor bn(const Bn& m, const torch::Tensor& x) const;
  torch::Tensor cell(const Cell& c, const torch::Tensor& x, const torch::Tensor& weights, const int* ops) const;
  ReluConvBn makeRcb(int64_t cin, int64_t cout, int64_t k, int64_t stride, bool affine, at::Generator& gen);
  Conv makeConv(int64_t cin, int64_t cout, int64_t k, int64_t stride, at::Generator& gen);
  Bn makeBn(int64_t c, bool affine);

  OneShotSpec spec_;
  torch::Device device_;
  Conv stem_;
  Bn stemBn_, lastBn_;
  std::vector<Cell> cells_;  // stage-major
  std::vector<Res> reductions_;
  torch::Tensor fcW_, fcB_;
  std::vector<torch::Tensor> params_;
  torch::Tensor alpha_;
};

class Nb201OneShot : public Napi::ObjectWrap<Nb201OneShot> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Nb201OneShot(const Napi::CallbackInfo& info);
  ~Nb201OneShot() override;
  /** The network, the data and the flags a running job reads (shared with it). */
  struct State;

 private:
  Napi::Value SetData(const Napi::CallbackInfo& info);
  Napi::Value Darts(const Napi::CallbackInfo& info);
  Napi::Value TrainSampled(const Napi::CallbackInfo& info);
  Napi::Value EvalSampled(const Napi::CallbackInfo& info);
  Napi::Value Alpha(const Napi::CallbackInfo& info);
  Napi::Value SaveState(const Napi::CallbackInfo& info);
  Napi::Value LoadState(const Napi::CallbackInfo& info);
  Napi::Value ParamCount(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  void claim(Napi::Env env, bool needData);
  void release();

  std::shared_ptr<State> st_;
  std::shared_ptr<JobSet> jobs_;
  Napi::FunctionReference onEpoch_;
  bool busy_ = false;
  bool disposed_ = false;
  int threads_ = 1;
};

}  // namespace frontier
