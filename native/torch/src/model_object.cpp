#include "model_object.h"

#include <functional>
#include <system_error>
#include <tuple>
#include <thread>
#include <utility>

#include "allocator.h"

#ifdef FRONTIER_WITH_CUDA
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif
#include "napi_util.h"
#include "trainer.h"

namespace frontier {

Napi::Function TorchModel::Define(Napi::Env env) {
  return DefineClass(env, "Model",
                     {InstanceMethod("paramCount", &TorchModel::ParamCount), InstanceMethod("getWeights", &TorchModel::GetWeights),
                      InstanceMethod("setWeights", &TorchModel::SetWeights), InstanceMethod("predict", &TorchModel::Predict),
                      InstanceMethod("gradients", &TorchModel::Gradients),
                      InstanceMethod("train", &TorchModel::Train), InstanceMethod("evaluate", &TorchModel::Evaluate),
                      InstanceMethod("latency", &TorchModel::Latency), InstanceMethod("cancel", &TorchModel::Cancel),
                      InstanceMethod("dispose", &TorchModel::Dispose), InstanceMethod("device", &TorchModel::Device)});
}

TorchModel::TorchModel(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TorchModel>(info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "new Model(graph, options): graph must be a ModelGraph object");
  Napi::Object o = info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
  GraphSpec spec = readGraph(env, info[0].As<Napi::Object>());
  jobs_ = *env.GetInstanceData<std::shared_ptr<JobSet>>();
  uint64_t seed = static_cast<uint64_t>(intAttr(o, "seed", 0));
  threads_ = static_cast<int>(std::max<int64_t>(1, intAttr(o, "threads", 1)));
  std::string device = o.Has("device") && o.Get("device").IsString() ? o.Get("device").As<Napi::String>().Utf8Value() : "cpu";
  bool fastDepthwise = intAttr(o, "fastDepthwise", 1) != 0;
  net_ = guarded(env, [&] {
    torch::Device d(device);
    if (d.is_cuda() && !torch::cuda::is_available()) throw GraphError("device " + device + ": this libtorch has no CUDA, or no GPU is visible");
    return std::make_shared<GraphNet>(std::move(spec), seed, d, fastDepthwise);
  });
}

TorchModel::~TorchModel() { cancel_->store(true); }

GraphNet& TorchModel::net(Napi::Env env) {
  if (!net_) throw Napi::Error::New(env, "the model is disposed");
  return *net_;
}

void TorchModel::claim(Napi::Env env) {
  net(env);
  if (disposed_) throw Napi::Error::New(env, "the model is disposed");
  if (busy_) throw Napi::Error::New(env, "the model is busy (one train, evaluate or latency call at a time)");
}

Napi::Value TorchModel::ParamCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(net(info.Env()).paramCount()));
}

Napi::Value TorchModel::Device(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), net(info.Env()).device().str());
}

Napi::Value TorchModel::GetWeights(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  claim(env);
  return tensorsToJs(env, guarded(env, [&] { return net(env).kerasWeights(); }));
}

Napi::Value TorchModel::SetWeights(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  claim(env);
  setWeightsFrom(env, info[0], [&](const std::string& name, const float* data, size_t n) { net(env).setKerasWeight(name, data, n); });
  return env.Undefined();
}

Napi::Value TorchModel::Gradients(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  claim(env);
  GraphNet& g = net(env);
  torch::Tensor x, y;
  int64_t n = 0;
  std::tie(x, y, n) = examplesFrom(env, info[0], info[1], g.spec());
  if (n < 2) throw Napi::RangeError::New(env, "gradients need a batch of at least 2 examples (BatchNorm)");
  return tensorsToJs(env, guarded(env, [&] { return g.kerasGradients(x.to(g.device()), y.to(g.device())); }));
}

Napi::Value TorchModel::Predict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  claim(env);
  GraphNet& g = net(env);
  int64_t n = 0;
  torch::Tensor x = imagesFrom(env, info[0], g.spec().input, &n);
  torch::Tensor y = guarded(env, [&] {
    c10::InferenceMode inference;
    return g.forward(x.to(g.device()), false).to(torch::kCPU).contiguous();
  });
  Napi::Float32Array out = Napi::Float32Array::New(env, static_cast<size_t>(y.numel()));
  std::memcpy(out.Data(), y.data_ptr<float>(), sizeof(float) * static_cast<size_t>(y.numel()));
  return out;
}

Napi::Value TorchModel::Train(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  claim(env);
  GraphNet& g = net(env);
  const auto& hwc = g.spec().input;
  const int64_t classes = g.spec().classes;
  int64_t ntr = 0, nva = 0;
  torch::Tensor trX = imagesFrom(env, info[0], hwc, &ntr);
  torch::Tensor trY = labelsFrom(env, info[1], ntr, classes);
  torch::Tensor vaX = imagesFrom(env, info[2], hwc, &nva);
  torch::Tensor vaY = labelsFrom(env, info[3], nva, classes);
  if (ntr < 2) throw Napi::RangeError::New(env, "training needs at least 2 examples");
  Napi::Object o = info[4].IsObject() ? info[4].As<Napi::Object>() : Napi::Object::New(env);
  TrainConfig c;
  c.epochs = static_cast<int>(intAttr(o, "epochs", c.epochs));
  c.steps = intAttr(o, "steps", -1);
  c.batchSize = intAttr(o, "batchSize", c.batchSize);
  c.lr = numAttr(o, "lr", c.lr);
  c.cosine = !(o.Has("schedule") && o.Get("schedule").ToString().Utf8Value() == "constant");
  c.patience = static_cast<int>(intAttr(o, "patience", c.patience));
  c.seed = static_cast<uint64_t>(intAttr(o, "seed", 0));
  c.recalibrationBatches = static_cast<int>(intAttr(o, "recalibrationBatches", c.recalibrationBatches));
  if (o.Has("augment") && o.Get("augment").IsObject()) {
    Napi::Object a = o.Get("augment").As<Napi::Object>();
    c.flip = intAttr(a, "flip", 0) != 0;
    c.shift = intAttr(a, "shift", 0);
  }
  if (c.epochs < 1 || c.batchSize < 1 || !(c.lr > 0) || c.patience < 0 || c.shift < 0) throw Napi::RangeError::New(env, "train options out of range");
  onEpoch_.Reset();
  if (info[5].IsFunction()) onEpoch_ = Napi::Persistent(info[5].As<Napi::Function>());
  cancel_->store(false);
  busy_ = true;
  Ref();
  auto netp = net_;
  auto cancel = cancel_;
  auto jobs = jobs_;
  return runOnThread<TrainOutcome>(
      env, jobs_, threads_, netp->device(),
      [=](const Post& post) {
        const torch::Device d = netp->device();
        Examples tr{trX.to(d), trY.to(d), classes};
        Examples va{vaX.to(d), vaY.to(d), classes};
        // Runs on the JavaScript thread while the model is referenced (Ref until the end of the job),
        // so `this` and its callback are alive there; if the environment goes away it never runs.
        auto report = [&](const EpochReport& r) {
          postProgress(post, &onEpoch_, [r](Napi::Object& p) {
            p.Set("epoch", r.epoch);
            p.Set("trainLoss", r.trainLoss);
            p.Set("valLoss", r.valLoss);
            p.Set("valAccuracy", r.valAccuracy);
          });
        };
        TrainOutcome out = trainNet(*netp, tr, va, c, report, [&] { return cancel->load() || jobs->stopping(); });
        if (runningJobs() == 1) trimAllocatorCache();  // this job alone: return the cache to the system
        return out;
      },
      [](Napi::Env env, TrainOutcome& r) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("valAccuracy", r.valAccuracy);
        o.Set("valLoss", r.valLoss);
        o.Set("trainLoss", r.trainLoss);
        o.Set("epochs", r.epochs);
        o.Set("bestEpoch", r.bestEpoch);
        o.Set("steps", static_cast<double>(r.steps));
        o.Set("seconds", r.seconds);
        o.Set("imagesPerSecond", r.imagesPerSecond);
        o.Set("stoppedEarly", r.stoppedEarly);
        o.Set("cancelled", r.cancelled);
        setDiverged(o, r.divergedAt, r.divergedLoss);
        return o;
      },
      [this]() {
        onEpoch_.Reset();
        release();
      });
}

Napi::Value TorchModel::Evaluate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  claim(env);
  GraphNet& g = net(env);
  torch::Tensor x, y;
  int64_t n = 0;
  std::tie(x, y, n) = examplesFrom(env, info[0], info[1], g.spec());
  int64_t batch = info[2].IsNumber() ? std::max<int64_t>(1, info[2].As<Napi::Number>().Int64Value()) : 256;
  busy_ = true;
  Ref();
  auto netp = net_;
  const int64_t classes = g.spec().classes;
  auto jobs = jobs_;
  auto cancel = cancel_;
  cancel_->store(false);
  return runOnThread<EvalOutcome>(
      env, jobs_, threads_, netp->device(),
      [=](const Post&) {
        return evaluateNet(*netp, Examples{x.to(netp->device()), y.to(netp->device()), classes}, batch, [&] { return cancel->load() || jobs->stopping(); });
      },
      [](Napi::Env env, EvalOutcome& r) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("accuracy", r.accuracy);
        o.Set("loss", r.loss);
        return o;
      },
      [this]() { release(); });
}

Napi::Value TorchModel::Latency(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  claim(env);
  Napi::Object o = info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object::New(env);
  int warmup = static_cast<int>(intAttr(o, "warmup", 5));
  int runs = static_cast<int>(intAttr(o, "runs", 30));
  double maxMs = numAttr(o, "maxMs", 3000);
  busy_ = true;
  Ref();
  auto netp = net_;
  auto jobs = jobs_;
  auto cancel = cancel_;
  cancel_->store(false);
  return runOnThread<LatencyOutcome>(
      env, jobs_, threads_, netp->device(), [=](const Post&) { return measureLatency(*netp, warmup, runs, maxMs, [&] { return cancel->load() || jobs->stopping(); }); },
      [](Napi::Env env, LatencyOutcome& r) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("medianMs", r.medianMs);
        o.Set("p90Ms", r.p90Ms);
        o.Set("runs", r.runs);
        return o;
      },
      [this]() { release(); });
}

void TorchModel::release() {
  busy_ = false;
  if (disposed_) net_.reset();
  Unref();
}

Napi::Value TorchModel::Cancel(const Napi::CallbackInfo& info) {
  cancel_->store(true);
  return info.Env().Undefined();
}

Napi::Value TorchModel::Dispose(const Napi::CallbackInfo& info) {
  cancel_->store(true);
  disposed_ = true;
  if (!busy_) net_.reset();  // else the running job's end frees it
  return info.Env().Undefined();
}

}  // namespace frontier
