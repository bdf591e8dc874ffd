// The JavaScript face of one model: `new Model(graph, {seed, device, threads})` and its methods
// (see main/services/train/torch-engine.ts, the only importer). Long work (train, evaluate,
// latency) runs on a thread of its own and returns a Promise; every libtorch failure becomes a JS
// Error with `code` 'graph' (the graph cannot be built or run) or 'libtorch' (anything else).
#pragma once
#include <napi.h>

#include <atomic>
#include <memory>

#include "graph_net.h"
#include "jobs.h"

namespace frontier {

class TorchModel : public Napi::ObjectWrap<TorchModel> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit TorchModel(const Napi::CallbackInfo& info);
  ~TorchModel() override;

 private:
  Napi::Value ParamCount(const Napi::CallbackInfo& info);
  Napi::Value GetWeights(const Napi::CallbackInfo& info);
  Napi::Value SetWeights(const Napi::CallbackInfo& info);
  Napi::Value Predict(const Napi::CallbackInfo& info);
  Napi::Value Gradients(const Napi::CallbackInfo& info);
  Napi::Value Train(const Napi::CallbackInfo& info);
  Napi::Value Evaluate(const Napi::CallbackInfo& info);
  Napi::Value Latency(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value Device(const Napi::CallbackInfo& info);

  GraphNet& net(Napi::Env env);
  void claim(Napi::Env env);
  /** The end of an asynchronous job, on the JavaScript thread. */
  void release();

  std::shared_ptr<GraphNet> net_;
  std::shared_ptr<JobSet> jobs_;
  /** The running train call's epoch callback; touched on the JavaScript thread only. */
  Napi::FunctionReference onEpoch_;
  std::shared_ptr<std::atomic<bool>> cancel_ = std::make_shared<std::atomic<bool>>(false);
  bool busy_ = false;
  bool disposed_ = false;
  int threads_ = 1;
};

}  // namespace frontier
