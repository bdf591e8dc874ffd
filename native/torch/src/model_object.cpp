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
#include "trainer.h"

namespace frontier {
namespace {

using Post = std::function<void(std::function<void(Napi::Env)>)>;

Napi::Error codedError(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  return e;
}

/**
 * Runs `work` on a new thread (not libuv's pool) with `threads` intra-op threads; `post` runs a
 * function on the JavaScript thread. Resolves with `done(result)`, or rejects with a coded error;
 * `finally` runs on the JavaScript thread first either way.
 */
template <class Result>
Napi::Value runOnThread(Napi::Env env, const std::shared_ptr<JobSet>& jobs, int threads, torch::Device device, std::function<Result(const Post&)> work,
                        std::function<Napi::Value(Napi::Env, Result&)> done, std::function<void()> finally) {
  auto deferred = std::make_shared<Napi::Promise::Deferred>(env);
  auto tsfn = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}), "frontier-torch", 0, 1);
  jobs->started();
  auto body = [=]() mutable {
    at::set_num_threads(threads);
#ifdef FRONTIER_WITH_CUDA
    // One CUDA stream per job, so that candidates training side by side on one GPU overlap.
    c10::optional<c10::cuda::CUDAStreamGuard> stream;
    if (device.is_cuda()) stream.emplace(c10::cuda::getStreamFromPool(false, device.index()));
#endif
    Post post = [&tsfn](std::function<void(Napi::Env)> f) {
      auto* heap = new std::function<void(Napi::Env)>(std::move(f));
      napi_status s = tsfn.BlockingCall(heap, [](Napi::Env env, Napi::Function, std::function<void(Napi::Env)>* g) {
        try {
          (*g)(env);
        } catch (const Napi::Error&) {
          // an exception thrown by a JavaScript callback: nothing to unwind here
        }
        delete g;
      });
      if (s != napi_ok) delete heap;  // the environment is closing
    };
    auto result = std::make_shared<Result>();
    std::string code, message;
    try {
      *result = work(post);
    } catch (const Cancelled&) {
      code = "cancelled";
      message = "cancelled";
    } catch (const GraphError& e) {
      code = "graph";
      message = e.what();
    } catch (const c10::Error& e) {
      code = "libtorch";
      message = e.what_without_backtrace();
    } catch (const std::exception& e) {
      code = "libtorch";
      message = e.what();
    } catch (...) {
      code = "libtorch";
      message = "unknown libtorch failure";
    }
    post([=](Napi::Env env) {
      finally();
      if (!code.empty()) {
        deferred->Reject(codedError(env, code, message).Value());
        return;
      }
      try {
        deferred->Resolve(done(env, *result));
      } catch (const Napi::Error& e) {
        deferred->Reject(e.Value());
      }
    });
    tsfn.Release();
    // Free what the job held (the model, the data) before counting it finished: after that the
    // process may be exiting, and libtorch must not be used any more.
    work = nullptr;
    result.reset();
    jobs->finished();
  };
  try {
    std::thread(body).detach();
  } catch (const std::system_error& e) {
    jobs->finished();
    tsfn.Release();
    finally();
    throw codedError(env, "libtorch", std::string("cannot start a thread: ") + e.what());
  }
  return deferred->Promise();
}

/** Runs `f` on the JavaScript thread, turning libtorch failures into coded JS errors. */
template <class F>
auto guarded(Napi::Env env, F f) -> decltype(f()) {
  try {
    return f();
  } catch (const GraphError& e) {
    throw codedError(env, "graph", e.what());
  } catch (const c10::Error& e) {
    throw codedError(env, "libtorch", e.what_without_backtrace());
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw codedError(env, "libtorch", e.what());
  }
}

int64_t intAttr(const Napi::Object& o, const char* key, int64_t dflt) {
  if (!o.Has(key)) return dflt;
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return dflt;
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? 1 : 0;
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string("'") + key + "' must be a number");
  return v.As<Napi::Number>().Int64Value();
}

double numAttr(const Napi::Object& o, const char* key, double dflt) {
  if (!o.Has(key)) return dflt;
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return dflt;
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string("'") + key + "' must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

std::vector<int64_t> intList(Napi::Env env, const Napi::Value& v, const std::string& what) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, what + " must be an array of numbers");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int64_t> out;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value x = a.Get(i);
    if (!x.IsNumber()) throw Napi::TypeError::New(env, what + " must be an array of numbers");
    out.push_back(x.As<Napi::Number>().Int64Value());
  }
  return out;
}

/** Reads a ModelGraph object (shared/types/graph.ts) into a GraphSpec. */
GraphSpec readGraph(Napi::Env env, const Napi::Object& g) {
  GraphSpec spec;
  spec.input = intList(env, g.Get("input"), "graph.input");
  spec.classes = intAttr(g, "classes", 0);
  if (!g.Get("nodes").IsArray()) throw Napi::TypeError::New(env, "graph.nodes must be an array");
  Napi::Array nodes = g.Get("nodes").As<Napi::Array>();
  std::map<std::string, int> index;
  std::string output = g.Get("output").ToString().Utf8Value();
  for (uint32_t i = 0; i < nodes.Length(); ++i) {
    if (!nodes.Get(i).IsObject()) throw Napi::TypeError::New(env, "graph.nodes[" + std::to_string(i) + "] is not an object");
    Napi::Object n = nodes.Get(i).As<Napi::Object>();
    NodeSpec s;
    s.id = n.Get("id").ToString().Utf8Value();
    s.op = n.Get("op").ToString().Utf8Value();
    Napi::Object a = n.Get("attrs").IsObject() ? n.Get("attrs").As<Napi::Object>() : Napi::Object::New(env);
    s.kernel = intAttr(a, "kernel", 1);
    s.stride = intAttr(a, "stride", 1);
    s.filters = intAttr(a, "filters", 0);
    s.units = intAttr(a, "units", 0);
    s.useBias = intAttr(a, "useBias", s.op == "Dense" ? 1 : 0) != 0;
    s.epsilon = numAttr(a, "epsilon", 1e-3);
    s.momentum = numAttr(a, "momentum", 0.99);
    s.keepDims = intAttr(a, "keepDims", 0) != 0;
    s.shape = intList(env, n.Get("shape"), "graph node " + s.id + " shape");
    if (!n.Get("inputs").IsArray()) throw Napi::TypeError::New(env, "graph node " + s.id + ": inputs must be an array");
    Napi::Array ins = n.Get("inputs").As<Napi::Array>();
    for (uint32_t j = 0; j < ins.Length(); ++j) {
      std::string in = ins.Get(j).ToString().Utf8Value();
      if (in == "input") {
        s.inputs.push_back(-1);
        continue;
      }
      auto it = index.find(in);
      if (it == index.end()) throw codedError(env, "graph", "graph node " + s.id + " reads " + in + " before it is computed");
      s.inputs.push_back(it->second);
    }
    if (index.count(s.id)) throw codedError(env, "graph", "graph node id " + s.id + " is used twice");
    index[s.id] = static_cast<int>(i);
    spec.nodes.push_back(std::move(s));
  }
  auto out = index.find(output);
  if (out == index.end()) throw codedError(env, "graph", "the graph output " + output + " is not one of its nodes");
  spec.output = out->second;
  return spec;
}

/** NHWC float32 examples to an NCHW tensor (a copy, made on the JavaScript thread). */
torch::Tensor imagesFrom(Napi::Env env, const Napi::Value& v, const std::vector<int64_t>& hwc, int64_t* count) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) throw Napi::TypeError::New(env, "examples must be a Float32Array");
  Napi::Float32Array a = v.As<Napi::Float32Array>();
  int64_t per = hwc[0] * hwc[1] * hwc[2];
  if (per <= 0 || static_cast<int64_t>(a.ElementLength()) % per != 0) throw Napi::RangeError::New(env, "the examples' length is not a multiple of H*W*C");
  int64_t n = static_cast<int64_t>(a.ElementLength()) / per;
  *count = n;
  if (n == 0) return torch::zeros({0, hwc[2], hwc[0], hwc[1]});
  // clone, not contiguous(): with one channel the permuted view already counts as contiguous, and
  // the job must not read JavaScript memory it holds no reference to.
  return torch::from_blob(a.Data(), {n, hwc[0], hwc[1], hwc[2]}, torch::kFloat32).permute({0, 3, 1, 2}).clone(at::MemoryFormat::Contiguous);
}

torch::Tensor labelsFrom(Napi::Env env, const Napi::Value& v, int64_t n, int64_t classes) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) throw Napi::TypeError::New(env, "labels must be an Int32Array");
  Napi::Int32Array a = v.As<Napi::Int32Array>();
  if (static_cast<int64_t>(a.ElementLength()) != n) throw Napi::RangeError::New(env, "there are " + std::to_string(a.ElementLength()) + " labels for " + std::to_string(n) + " examples");
  for (size_t i = 0; i < a.ElementLength(); ++i)
    if (a[i] < 0 || a[i] >= classes) throw Napi::RangeError::New(env, "label " + std::to_string(a[i]) + " of example " + std::to_string(i) + " is not a class of the model (0.." + std::to_string(classes - 1) + ")");
  if (n == 0) return torch::zeros({0}, torch::kInt64);
  return torch::from_blob(a.Data(), {n}, torch::kInt32).to(torch::kInt64);
}

/** Examples (NHWC Float32Array) and their labels (Int32Array) for a graph: NCHW images, int64 labels, count. */
std::tuple<torch::Tensor, torch::Tensor, int64_t> examplesFrom(Napi::Env env, const Napi::Value& xs, const Napi::Value& ys, const GraphSpec& spec) {
  int64_t n = 0;
  torch::Tensor x = imagesFrom(env, xs, spec.input, &n);
  return {x, labelsFrom(env, ys, n, spec.classes), n};
}

/** CPU float tensors keyed by name, as an object of Float32Arrays (copies). */
Napi::Object tensorsToJs(Napi::Env env, const std::map<std::string, torch::Tensor>& tensors) {
  Napi::Object out = Napi::Object::New(env);
  for (const auto& kv : tensors) {
    Napi::Float32Array a = Napi::Float32Array::New(env, static_cast<size_t>(kv.second.numel()));
    std::memcpy(a.Data(), kv.second.data_ptr<float>(), sizeof(float) * static_cast<size_t>(kv.second.numel()));
    out.Set(kv.first, a);
  }
  return out;
}

}  // namespace

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
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "setWeights(weights): an object of Float32Arrays keyed <node id>/<kind>");
  Napi::Object w = info[0].As<Napi::Object>();
  Napi::Array keys = w.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); ++i) {
    std::string name = keys.Get(i).ToString().Utf8Value();
    Napi::Value v = w.Get(name);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) throw Napi::TypeError::New(env, "weight " + name + " must be a Float32Array");
    Napi::Float32Array a = v.As<Napi::Float32Array>();
    guarded(env, [&] { net(env).setKerasWeight(name, a.Data(), a.ElementLength()); });
  }
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
          post([this, r](Napi::Env env) {
            if (onEpoch_.IsEmpty()) return;
            Napi::Object p = Napi::Object::New(env);
            p.Set("epoch", r.epoch);
            p.Set("trainLoss", r.trainLoss);
            p.Set("valLoss", r.valLoss);
            p.Set("valAccuracy", r.valAccuracy);
            onEpoch_.Call({p});
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
        if (r.divergedAt >= 0) {
          o.Set("divergedAt", static_cast<double>(r.divergedAt));
          o.Set("divergedLoss", r.divergedLoss);
        }
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
