// Helpers shared by the addon's JavaScript objects (Model, Supernet): jobs on addon-owned threads
// that resolve a Promise, coded errors, option readers and example/weight conversions.
#pragma once
#include <napi.h>

#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "graph_net.h"
#include "jobs.h"

#ifdef FRONTIER_WITH_CUDA
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace frontier {


using Post = std::function<void(std::function<void(Napi::Env)>)>;

inline Napi::Error codedError(Napi::Env env, const std::string& code, const std::string& message) {
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

/** As above, on the thread's default CUDA stream (no stream of its own per job). */
template <class Result>
Napi::Value runOnThread(Napi::Env env, const std::shared_ptr<JobSet>& jobs, int threads, std::function<Result(const Post&)> work,
                        std::function<Napi::Value(Napi::Env, Result&)> done, std::function<void()> finally) {
  return runOnThread<Result>(env, jobs, threads, torch::Device(torch::kCPU), std::move(work), std::move(done), std::move(finally));
}

/**
 * From a job's thread: calls `callback` (while it is still set) on the JavaScript thread with a new
 * object that `fill` fills. The callback's owner must stay referenced until the job ends.
 */
template <class Fill>
void postProgress(const Post& post, Napi::FunctionReference* callback, Fill fill) {
  post([callback, fill](Napi::Env env) {
    if (callback->IsEmpty()) return;
    Napi::Object p = Napi::Object::New(env);
    fill(p);
    callback->Call({p});
  });
}

/** Sets divergedAt and divergedLoss on a job's result when training diverged (divergedAt >= 0). */
inline void setDiverged(Napi::Object& o, int64_t divergedAt, const std::string& divergedLoss) {
  if (divergedAt < 0) return;
  o.Set("divergedAt", static_cast<double>(divergedAt));
  o.Set("divergedLoss", divergedLoss);
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

inline int64_t intAttr(const Napi::Object& o, const char* key, int64_t dflt) {
  if (!o.Has(key)) return dflt;
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return dflt;
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? 1 : 0;
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string("'") + key + "' must be a number");
  return v.As<Napi::Number>().Int64Value();
}

inline double numAttr(const Napi::Object& o, const char* key, double dflt) {
  if (!o.Has(key)) return dflt;
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return dflt;
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string("'") + key + "' must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

inline std::vector<int64_t> intList(Napi::Env env, const Napi::Value& v, const std::string& what) {
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
inline GraphSpec readGraph(Napi::Env env, const Napi::Object& g) {
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
    s.kernelW = intAttr(a, "kernelW", s.kernel);
    s.strideW = intAttr(a, "strideW", s.stride);
    s.vocab = intAttr(a, "vocab", 0);
    s.heads = intAttr(a, "heads", 1);
    s.filters = intAttr(a, "filters", 0);
    s.units = intAttr(a, "units", 0);
    s.useBias = intAttr(a, "useBias", s.op == "Dense" ? 1 : 0) != 0;
    s.epsilon = numAttr(a, "epsilon", s.op == "LayerNorm" ? 1e-6 : 1e-3);
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
inline torch::Tensor imagesFrom(Napi::Env env, const Napi::Value& v, const std::vector<int64_t>& hwc, int64_t* count) {
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

inline torch::Tensor labelsFrom(Napi::Env env, const Napi::Value& v, int64_t n, int64_t classes) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) throw Napi::TypeError::New(env, "labels must be an Int32Array");
  Napi::Int32Array a = v.As<Napi::Int32Array>();
  if (static_cast<int64_t>(a.ElementLength()) != n) throw Napi::RangeError::New(env, "there are " + std::to_string(a.ElementLength()) + " labels for " + std::to_string(n) + " examples");
  for (size_t i = 0; i < a.ElementLength(); ++i)
    if (a[i] < 0 || a[i] >= classes) throw Napi::RangeError::New(env, "label " + std::to_string(a[i]) + " of example " + std::to_string(i) + " is not a class of the model (0.." + std::to_string(classes - 1) + ")");
  if (n == 0) return torch::zeros({0}, torch::kInt64);
  return torch::from_blob(a.Data(), {n}, torch::kInt32).to(torch::kInt64);
}

/** Examples (NHWC Float32Array) and their labels (Int32Array) for a graph: NCHW images, int64 labels, count. */
inline std::tuple<torch::Tensor, torch::Tensor, int64_t> examplesFrom(Napi::Env env, const Napi::Value& xs, const Napi::Value& ys, const GraphSpec& spec) {
  int64_t n = 0;
  torch::Tensor x = imagesFrom(env, xs, spec.input, &n);
  return {x, labelsFrom(env, ys, n, spec.classes), n};
}

/** setWeights(weights): each Float32Array of an object keyed <node id>/<kind> to `set(name, data, count)`. */
template <class Set>
void setWeightsFrom(Napi::Env env, const Napi::Value& weights, Set set) {
  if (!weights.IsObject()) throw Napi::TypeError::New(env, "setWeights(weights): an object of Float32Arrays keyed <node id>/<kind>");
  Napi::Object w = weights.As<Napi::Object>();
  Napi::Array keys = w.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); ++i) {
    std::string name = keys.Get(i).ToString().Utf8Value();
    Napi::Value v = w.Get(name);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) throw Napi::TypeError::New(env, "weight " + name + " must be a Float32Array");
    Napi::Float32Array a = v.As<Napi::Float32Array>();
    guarded(env, [&] { set(name, a.Data(), a.ElementLength()); });
  }
}

/** CPU float tensors keyed by name, as an object of Float32Arrays (copies). */
inline Napi::Object tensorsToJs(Napi::Env env, const std::map<std::string, torch::Tensor>& tensors) {
  Napi::Object out = Napi::Object::New(env);
  for (const auto& kv : tensors) {
    Napi::Float32Array a = Napi::Float32Array::New(env, static_cast<size_t>(kv.second.numel()));
    std::memcpy(a.Data(), kv.second.data_ptr<float>(), sizeof(float) * static_cast<size_t>(kv.second.numel()));
    out.Set(kv.first, a);
  }
  return out;
}


}  // namespace frontier
