// The JavaScript face of a supernet: `new Supernet(spec, {seed, device, threads})` (see
// main/services/train/torch-engine.ts, the only importer, and supernet-engine.ts above it). Training,
// evaluation of a sub-network (BatchNorm recalibration, then validation) run on threads of their own
// and return Promises; a sub-network is passed as its stages ({channels, blocks: [{kernel,
// expansion, se}]}), as MobilenetSpace.stages(sample) gives them.
#pragma once
#include <napi.h>

#include <atomic>
#include <memory>

#include "jobs.h"
#include "supernet.h"

namespace frontier {

class SupernetObject : public Napi::ObjectWrap<SupernetObject> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit SupernetObject(const Napi::CallbackInfo& info);
  ~SupernetObject() override;

 private:
  Napi::Value ParamCount(const Napi::CallbackInfo& info);
  Napi::Value SetData(const Napi::CallbackInfo& info);
  Napi::Value Train(const Napi::CallbackInfo& info);
  Napi::Value TrainSubnets(const Napi::CallbackInfo& info);
  Napi::Value Evaluate(const Napi::CallbackInfo& info);
  Napi::Value Predict(const Napi::CallbackInfo& info);
  Napi::Value GetWeights(const Napi::CallbackInfo& info);
  Napi::Value SubnetWeights(const Napi::CallbackInfo& info);
  Napi::Value SetWeights(const Napi::CallbackInfo& info);
  Napi::Value LoadCheckpoint(const Napi::CallbackInfo& info);
  Napi::Value SaveSubnetState(const Napi::CallbackInfo& info);
  Napi::Value LoadSubnetState(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  Supernet& net(Napi::Env env);
  void claim(Napi::Env env);
  void release();

  std::shared_ptr<Supernet> net_;
  std::shared_ptr<JobSet> jobs_;
  std::shared_ptr<Examples> train_, val_;
  torch::Tensor calibration_;  // shuffled training images for BatchNorm recalibration
  Napi::FunctionReference onProgress_;
  std::shared_ptr<std::atomic<bool>> cancel_ = std::make_shared<std::atomic<bool>>(false);
  bool busy_ = false;
  bool disposed_ = false;
  int threads_ = 1;
};

}  // namespace frontier
