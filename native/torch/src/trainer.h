// The training loop, run entirely in C++ on a thread the addon owns: shuffled batches gathered on
// the device, optional flips and shifts, Adam with cosine learning-rate decay, cross-entropy, a
// NaN/Inf guard, BatchNorm re-estimation and validation after each epoch, early stopping, the best
// epoch's weights kept, cancellation between steps.
#pragma once
#include <atomic>
#include <functional>
#include <string>

#include "graph_net.h"

namespace frontier {

struct TrainConfig {
  int epochs = 3;
  int64_t steps = -1;  // optimizer steps at most (-1: no limit)
  int64_t batchSize = 64;
  double lr = 3e-3;
  bool cosine = true;
  int patience = 2;
  uint64_t seed = 0;
  bool flip = false;
  int64_t shift = 0;
  int recalibrationBatches = 8;
};

/** Examples as an NCHW float tensor and int64 labels, on the model's device. */
struct Examples {
  torch::Tensor x;
  torch::Tensor y;
  int64_t classes = 0;
};

struct EpochReport {
  int epoch = 0;
  double trainLoss = 0, valLoss = 0, valAccuracy = 0;
};

struct TrainOutcome {
  double valAccuracy = -1, valLoss = 0, trainLoss = 0;
  int epochs = 0, bestEpoch = 0;
  int64_t steps = 0;
  double seconds = 0, imagesPerSecond = 0;
  bool stoppedEarly = false;
  bool cancelled = false;
  /** Set when the loss became NaN or infinite: the step, and the loss as text. */
  int64_t divergedAt = -1;
  std::string divergedLoss;
};

struct EvalOutcome {
  double accuracy = 0, loss = 0;
};

struct LatencyOutcome {
  double medianMs = 0, p90Ms = 0;
  int runs = 0;
};

TrainOutcome trainNet(GraphNet& net, const Examples& train, const Examples& val, const TrainConfig& c,
                      const std::function<void(const EpochReport&)>& report, const std::function<bool()>& cancelled);

/** Accuracy and mean loss in inference mode; throws Cancelled (jobs.h) when `cancelled` turns true between batches. */
EvalOutcome evaluateNet(GraphNet& net, const Examples& data, int64_t batchSize, const std::function<bool()>& cancelled = [] { return false; });

/** Batch-1 inference time after warm-up, alone on the machine (the gate holds training back). */
LatencyOutcome measureLatency(GraphNet& net, int warmup, int runs, double maxMs, const std::function<bool()>& cancelled = [] { return false; });

/** Waits for the device's queued work (CUDA); nothing on the CPU. */
void synchronize(const torch::Device& d);

}  // namespace frontier
