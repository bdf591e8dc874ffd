// frontier_torch: the libtorch training engine as a Node-API addon. One door: main/services/train/
// torch-engine.ts loads it; nothing else does.
#include <napi.h>

#include <atomic>
#include <torch/torch.h>
#include <torch/version.h>

#include "allocator.h"
#include "darts.h"
#include "jobs.h"
#include "model_object.h"
#include "supernet_object.h"

namespace {

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("torch", TORCH_VERSION);
  o.Set("cuda", torch::cuda::is_available());
  o.Set("cudaDevices", static_cast<double>(torch::cuda::device_count()));
#ifdef FRONTIER_WITH_CUDA
  o.Set("builtWithCuda", true);
#else
  o.Set("builtWithCuda", false);
#endif
  o.Set("mkldnn", at::hasMKLDNN());
  o.Set("openmp", at::get_parallel_info().find("OpenMP") != std::string::npos);
  o.Set("cxx11Abi", _GLIBCXX_USE_CXX11_ABI == 1);
  return o;
}

Napi::Value Memory(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("cachedBytes", static_cast<double>(frontier::cachedBytes()));
  o.Set("liveBytes", static_cast<double>(frontier::liveBytes()));
  return o;
}

Napi::Value TrimCache(const Napi::CallbackInfo& info) {
  if (frontier::runningJobs() == 0) frontier::trimAllocatorCache();
  return info.Env().Undefined();
}

Napi::Value StopAll(const Napi::CallbackInfo& info) {
  frontier::stopAllJobs(info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 5000);
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  frontier::installCachingAllocator();
  // This environment's jobs. When it goes away (process exit, a worker terminated) they stop at their
  // next step and are waited for, so none posts to a freed thread-safe function afterwards.
  auto jobs = std::make_shared<frontier::JobSet>();
  frontier::registerJobSet(jobs);
  env.SetInstanceData(new std::shared_ptr<frontier::JobSet>(jobs));
  env.AddCleanupHook([jobs] { jobs->stopAndWait(60000); });
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("memory", Napi::Function::New(env, Memory));
  exports.Set("trimCache", Napi::Function::New(env, TrimCache));
  exports.Set("stopAll", Napi::Function::New(env, StopAll));
  exports.Set("Model", frontier::TorchModel::Define(env));
  exports.Set("Nb201OneShot", frontier::Nb201OneShot::Define(env));
  exports.Set("Supernet", frontier::SupernetObject::Define(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(frontier_torch, Init)
