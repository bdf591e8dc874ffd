#include "supernet_object.h"

#include <ATen/CPUGeneratorImpl.h>

#include "allocator.h"
#include "napi_util.h"

namespace frontier {
namespace {

std::vector<double> numList(Napi::Env env, const Napi::Value& v, const std::string& what) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, what + " must be an array of numbers");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<double> out;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    if (!a.Get(i).IsNumber()) throw Napi::TypeError::New(env, what + " must be an array of numbers");
    out.push_back(a.Get(i).As<Napi::Number>().DoubleValue());
  }
  return out;
}

SupernetSpec readSpec(Napi::Env env, const Napi::Object& o) {
  SupernetSpec s;
  s.input = intList(env, o.Get("input"), "supernet.input");
  s.classes = intAttr(o, "classes", 0);
  s.stem = intAttr(o, "stem", 16);
  s.stemStride = intAttr(o, "stemStride", 1);
  s.kernels = intList(env, o.Get("kernels"), "supernet.kernels");
  s.expansions = numList(env, o.Get("expansions"), "supernet.expansions");
  s.squeezeExcite = intAttr(o, "squeezeExcite", 0) != 0;
  if (!o.Get("stages").IsArray()) throw Napi::TypeError::New(env, "supernet.stages must be an array");
  Napi::Array st = o.Get("stages").As<Napi::Array>();
  for (uint32_t i = 0; i < st.Length(); ++i) {
    if (!st.Get(i).IsObject()) throw Napi::TypeError::New(env, "supernet.stages[" + std::to_string(i) + "] is not an object");
    Napi::Object so = st.Get(i).As<Napi::Object>();
    SuperStageSpec ss;
    ss.channels = intList(env, so.Get("channels"), "stage channels");
    ss.stride = intAttr(so, "stride", 1);
    ss.depths = intList(env, so.Get("depths"), "stage depths");
    s.stages.push_back(ss);
  }
  return s;
}

ActiveNet readActive(Napi::Env env, const Napi::Value& v) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, "a sub-network is an array of stages {channels, blocks}");
  Napi::Array a = v.As<Napi::Array>();
  ActiveNet out;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    if (!a.Get(i).IsObject()) throw Napi::TypeError::New(env, "sub-network stage " + std::to_string(i + 1) + " is not an object");
    Napi::Object so = a.Get(i).As<Napi::Object>();
    ActiveStage s;
    s.channels = intAttr(so, "channels", 0);
    if (!so.Get("blocks").IsArray()) throw Napi::TypeError::New(env, "sub-network stage " + std::to_string(i + 1) + ": blocks must be an array");
    Napi::Array bs = so.Get("blocks").As<Napi::Array>();
    for (uint32_t j = 0; j < bs.Length(); ++j) {
      if (!bs.Get(j).IsObject()) throw Napi::TypeError::New(env, "sub-network block is not an object");
      Napi::Object bo = bs.Get(j).As<Napi::Object>();
      s.blocks.push_back(ActiveBlock{intAttr(bo, "kernel", 3), numAttr(bo, "expansion", 1), intAttr(bo, "se", 0) != 0});
    }
    out.push_back(s);
  }
  return out;
}

}  // namespace

Napi::Function SupernetObject::Define(Napi::Env env) {
  return DefineClass(env, "Supernet",
                     {InstanceMethod("paramCount", &SupernetObject::ParamCount), InstanceMethod("setData", &SupernetObject::SetData),
                      InstanceMethod("train", &SupernetObject::Train), InstanceMethod("evaluate", &SupernetObject::Evaluate),
                      InstanceMethod("trainSubnets", &SupernetObject::TrainSubnets),
                      InstanceMethod("predict", &SupernetObject::Predict), InstanceMethod("getWeights", &SupernetObject::GetWeights),
                      InstanceMethod("subnetWeights", &SupernetObject::SubnetWeights), InstanceMethod("setWeights", &SupernetObject::SetWeights),
                      InstanceMethod("loadCheckpoint", &SupernetObject::LoadCheckpoint),
                      InstanceMethod("saveSubnetState", &SupernetObject::SaveSubnetState), InstanceMethod("loadSubnetState", &SupernetObject::LoadSubnetState),
                      InstanceMethod("cancel", &SupernetObject::Cancel),
                      InstanceMethod("dispose", &SupernetObject::Dispose)});
}

SupernetObject::SupernetObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SupernetObject>(info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "new Supernet(spec, options): spec must be an object");
  Napi::Object o = info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
  SupernetSpec spec = readSpec(env, info[0].As<Napi::Object>());
  jobs_ = *env.GetInstanceData<std::shared_ptr<JobSet>>();
  uint64_t seed = static_cast<uint64_t>(intAttr(o, "seed", 0));
  threads_ = static_cast<int>(std::max<int64_t>(1, intAttr(o, "threads", 1)));
  std::string device = o.Has("device") && o.Get("device").IsString() ? o.Get("device").As<Napi::String>().Utf8Value() : "cpu";
  net_ = guarded(env, [&] {
    torch::Device d(device);
    if (d.is_cuda() && !torch::cuda::is_available()) throw GraphError("device " + device + ": this libtorch has no CUDA, or no GPU is visible");
    return std::make_shared<Supernet>(std::move(spec), seed, d);
  });
}

SupernetObject::~SupernetObject() { cancel_->store(true); }

Supernet& SupernetObject::net(Napi::Env env) {
  if (!net_ || disposed_) throw Napi::Error::New(env, "the supernet is disposed");
  return *net_;
}

void SupernetObject::claim(Napi::Env env) {
  net(env);
  if (busy_) throw Napi::Error::New(env, "the supernet is busy (one train or evaluate call at a time)");
}

void SupernetObject::release() {
  busy_ = false;
  if (disposed_) net_.reset();
  Unref();
}

Napi::Value SupernetObject::ParamCount(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(net(info.Env()).paramCount())); }

Napi::Value SupernetObject::SetData(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  claim(env);
  Supernet& s = net(env);
  const auto& hwc = s.spec().input;
  const int64_t classes = s.spec().classes;
  int64_t ntr = 0, nva = 0;
  torch::Tensor trX = imagesFrom(env, info[0], hwc, &ntr);
  torch::Tensor trY = labelsFrom(env, info[1], ntr, classes);
  torch::Tensor vaX = imagesFrom(env, info[2], hwc, &nva);
  torch::Tensor vaY = labelsFrom(env, info[3], nva, classes);
  if (ntr < 2) throw Napi::RangeError::New(env, "a supernet needs at least 2 training examples");
  const torch::Device d = s.device();
  train_ = std::make_shared<Examples>(Examples{trX.to(d), trY.to(d), classes});
  val_ = std::make_shared<Examples>(Examples{vaX.to(d), vaY.to(d), classes});
  // A fixed shuffled subset of the training images (up to 4096) for BatchNorm recalibration.
  auto gen = at::detail::createCPUGenerator(12345);
  torch::Tensor perm = torch::randperm(ntr, gen, torch::TensorOptions().dtype(torch::kInt64)).narrow(0, 0, std::min<int64_t>(ntr, 4096));
  calibration_ = trX.index_select(0, perm).to(d);
  return env.Undefined();
}

Napi::Value SupernetObject::Train(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  claim(env);
  if (!train_) throw Napi::Error::New(env, "setData(...) first: the supernet has no training data");
  Napi::Object o = info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object::New(env);
  SupernetTrainConfig c;
  c.steps = intAttr(o, "steps", c.steps);
  c.batchSize = intAttr(o, "batchSize", c.batchSize);
  c.lr = numAttr(o, "lr", c.lr);
  c.sgd = o.Has("optimizer") && o.Get("optimizer").ToString().Utf8Value() == "sgd";
  c.momentum = numAttr(o, "momentum", c.momentum);
  c.weightDecay = numAttr(o, "weightDecay", c.weightDecay);
  c.cosine = !(o.Has("schedule") && o.Get("schedule").ToString().Utf8Value() == "constant");
  c.sandwich = static_cast<int>(intAttr(o, "sandwich", c.sandwich));
  c.seed = static_cast<uint64_t>(intAttr(o, "seed", 0));
  c.distill = intAttr(o, "distill", 1) != 0;
  c.progressive = intAttr(o, "progressive", 1) != 0;
  c.checkpointEvery = intAttr(o, "checkpointEvery", c.checkpointEvery);
  c.reportEvery = intAttr(o, "reportEvery", c.reportEvery);
  if (o.Has("checkpoint") && o.Get("checkpoint").IsString()) c.checkpoint = o.Get("checkpoint").As<Napi::String>().Utf8Value();
  c.snapshotEvery = intAttr(o, "snapshotEvery", 0);
  if (o.Has("snapshotPath") && o.Get("snapshotPath").IsString()) c.snapshotPath = o.Get("snapshotPath").As<Napi::String>().Utf8Value();
  if (c.snapshotEvery < 0) throw Napi::RangeError::New(env, "snapshotEvery must be >= 0");
  if (c.snapshotEvery > 0 && c.snapshotPath.find("{step}") == std::string::npos)
    throw Napi::RangeError::New(env, "snapshotEvery needs snapshotPath, a file name with {step} in it (each snapshot's step)");
  if (c.steps < 1 || c.batchSize < 2 || !(c.lr > 0) || c.checkpointEvery < 1 || c.reportEvery < 1 || c.weightDecay < 0 || c.sandwich < -1)
    throw Napi::RangeError::New(env, "supernet train options out of range");
  onProgress_.Reset();
  if (info[1].IsFunction()) onProgress_ = Napi::Persistent(info[1].As<Napi::Function>());
  cancel_->store(false);
  busy_ = true;
  Ref();
  auto netp = net_;
  auto data = train_;
  auto cancel = cancel_;
  auto jobs = jobs_;
  return runOnThread<SupernetTrainOutcome>(
      env, jobs_, threads_, netp->device(),
      [=](const Post& post) {
        auto report = [&](const SupernetProgress& r) {
          postProgress(post, &onProgress_, [r](Napi::Object& p) {
            p.Set("step", static_cast<double>(r.step));
            p.Set("steps", static_cast<double>(r.steps));
            p.Set("loss", r.loss);
            p.Set("lr", r.lr);
            p.Set("seconds", r.seconds);
          });
        };
        SupernetTrainOutcome out = netp->train(*data, c, report, [&] { return cancel->load() || jobs->stopping(); });
        if (runningJobs() == 1) trimAllocatorCache();
        return out;
      },
      [](Napi::Env env, SupernetTrainOutcome& r) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("steps", static_cast<double>(r.steps));
        o.Set("resumedFrom", static_cast<double>(r.resumedFrom));
        o.Set("loss", r.loss);
        o.Set("seconds", r.seconds);
        o.Set("imagesPerSecond", r.imagesPerSecond);
        o.Set("cancelled", r.cancelled);
        o.Set("checkpointed", r.checkpointed);
        setDiverged(o, r.divergedAt, r.divergedLoss);
        return o;
      },
      [this]() {
        onProgress_.Reset();
        release();
      });
}

// trainSubnets(subnets, {lr, batchSize, momentum, weightDecay, seed, firstStep}): one SGD step per
// given sub-network (ENAS's shared-weight phase); resolves {steps, loss, cancelled, divergedAt?}.
Napi::Value SupernetObject::TrainSubnets(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  claim(env);
  if (!train_) throw Napi::Error::New(env, "setData(...) first: the supernet has no training data");
  if (!info[0].IsArray()) throw Napi::TypeError::New(env, "trainSubnets(subnets, options): subnets must be an array of sub-networks");
  Napi::Array list = info[0].As<Napi::Array>();
  std::vector<ActiveNet> nets;
  for (uint32_t i = 0; i < list.Length(); ++i) nets.push_back(readActive(env, list.Get(i)));
  guarded(env, [&] {
    for (const auto& a : nets) net(env).check(a);
  });
  Napi::Object o = info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
  SubnetStepsConfig c;
  c.batchSize = intAttr(o, "batchSize", c.batchSize);
  c.lr = numAttr(o, "lr", c.lr);
  c.momentum = numAttr(o, "momentum", c.momentum);
  c.weightDecay = numAttr(o, "weightDecay", c.weightDecay);
  c.seed = static_cast<uint64_t>(intAttr(o, "seed", 0));
  c.firstStep = intAttr(o, "firstStep", 0);
  if (c.batchSize < 2 || !(c.lr > 0) || c.momentum < 0 || c.momentum >= 1 || c.weightDecay < 0 || c.firstStep < 0)
    throw Napi::RangeError::New(env, "trainSubnets options out of range (batchSize >= 2, lr > 0, 0 <= momentum < 1, weightDecay >= 0, firstStep >= 0)");
  cancel_->store(false);
  busy_ = true;
  Ref();
  auto netp = net_;
  auto data = train_;
  auto cancel = cancel_;
  auto jobs = jobs_;
  return runOnThread<SubnetStepsOutcome>(
      env, jobs_, threads_, netp->device(),
      [=](const Post&) {
        SubnetStepsOutcome out = netp->trainSubnets(*data, nets, c, [&] { return cancel->load() || jobs->stopping(); });
        if (runningJobs() == 1) trimAllocatorCache();
        return out;
      },
      [](Napi::Env env, SubnetStepsOutcome& r) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("steps", static_cast<double>(r.steps));
        o.Set("loss", r.loss);
        o.Set("cancelled", r.cancelled);
        setDiverged(o, r.divergedAt, r.divergedLoss);
        return o;
      },
      [this]() { release(); });
}

Napi::Value SupernetObject::Evaluate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  claim(env);
  if (!train_) throw Napi::Error::New(env, "setData(...) first: the supernet has no data");
  ActiveNet a = readActive(env, info[0]);
  guarded(env, [&] { net(env).check(a); });
  Napi::Object o = info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
  const int batches = static_cast<int>(intAttr(o, "calibrationBatches", 8));
  const int64_t calBatch = intAttr(o, "calibrationBatchSize", 128);
  const int64_t batch = std::max<int64_t>(1, intAttr(o, "batchSize", 500));
  const int64_t valLimit = intAttr(o, "valLimit", -1);
  if (batches < 0 || calBatch < 2) throw Napi::RangeError::New(env, "calibrationBatches >= 0 and calibrationBatchSize >= 2");
  busy_ = true;
  Ref();
  cancel_->store(false);
  auto netp = net_;
  auto val = val_;
  auto cal = calibration_;
  auto cancel = cancel_;
  auto jobs = jobs_;
  return runOnThread<EvalOutcome>(
      env, jobs_, threads_, netp->device(),
      [=](const Post&) {
        auto stop = [&] { return cancel->load() || jobs->stopping(); };
        if (batches > 0) netp->recalibrate(a, cal, batches, calBatch, stop);
        Examples v = *val;
        if (valLimit >= 0 && valLimit < v.y.size(0)) v = Examples{v.x.narrow(0, 0, valLimit), v.y.narrow(0, 0, valLimit), v.classes};
        return netp->evaluate(a, v, batch, stop);
      },
      [](Napi::Env env, EvalOutcome& r) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("accuracy", r.accuracy);
        o.Set("loss", r.loss);
        return o;
      },
      [this]() { release(); });
}

Napi::Value SupernetObject::Predict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  claim(env);
  Supernet& s = net(env);
  ActiveNet a = readActive(env, info[0]);
  int64_t n = 0;
  torch::Tensor x = imagesFrom(env, info[1], s.spec().input, &n);
  torch::Tensor y = guarded(env, [&] {
    s.check(a);
    c10::InferenceMode inference;
    return s.forward(x.to(s.device()), a, false).to(torch::kCPU).contiguous();
  });
  Napi::Float32Array out = Napi::Float32Array::New(env, static_cast<size_t>(y.numel()));
  std::memcpy(out.Data(), y.data_ptr<float>(), sizeof(float) * static_cast<size_t>(y.numel()));
  return out;
}

Napi::Value SupernetObject::GetWeights(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  claim(env);
  return tensorsToJs(env, guarded(env, [&] { return net(env).kerasWeights(); }));
}

Napi::Value SupernetObject::SubnetWeights(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  claim(env);
  ActiveNet a = readActive(env, info[0]);
  return tensorsToJs(env, guarded(env, [&] { return net(env).subnetWeights(a); }));
}

Napi::Value SupernetObject::SetWeights(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  claim(env);
  setWeightsFrom(env, info[0], [&](const std::string& name, const float* data, size_t n) { net(env).setKerasWeight(name, data, n); });
  return env.Undefined();
}

Napi::Value SupernetObject::LoadCheckpoint(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  claim(env);
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "loadCheckpoint(path): path must be text");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  return Napi::Number::New(env, static_cast<double>(guarded(env, [&] { return net(env).loadCheckpoint(path); })));
}

Napi::Value SupernetObject::SaveSubnetState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  claim(env);
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "saveSubnetState(path): path must be text");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  guarded(env, [&] { net(env).saveSubnetState(path); });
  return env.Undefined();
}

Napi::Value SupernetObject::LoadSubnetState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  claim(env);
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "loadSubnetState(path): path must be text");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  guarded(env, [&] { net(env).loadSubnetState(path); });
  return env.Undefined();
}

Napi::Value SupernetObject::Cancel(const Napi::CallbackInfo& info) {
  cancel_->store(true);
  return info.Env().Undefined();
}

Napi::Value SupernetObject::Dispose(const Napi::CallbackInfo& info) {
  cancel_->store(true);
  disposed_ = true;
  train_.reset();
  val_.reset();
  if (!busy_) net_.reset();
  return info.Env().Undefined();
}

}  // namespace frontier
