// A once-for-all supernet of the mobilenet space (main/core/spaces/mobilenet.ts): one set of the
// largest weights (every stage at its deepest, widest, every block at its largest kernel and
// expansion, with squeeze-excite), and a forward pass for any active sub-network that cuts slices
// of them, as once-for-all's dynamic layers do: the first N output and input channels of each
// convolution, batch norm and linear layer, the centre k×k of each depthwise kernel, the first
// `depth` blocks of each stage. The slices are views: a sub-network's gradients land in the shared
// weights. The sub-network computes exactly what main/core/graph/mobilenet.ts builds for the same
// sample (TensorFlow 'same' padding, ReLU6, Keras batch-norm epsilon), so its weights, cut out,
// run standalone through the GraphNet / TFLite paths.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "trainer.h"

namespace frontier {

struct SuperStageSpec {
  /** Output channels of each width choice (as the space lists widths; duplicates allowed). */
  std::vector<int64_t> channels;
  int64_t stride = 1;
  std::vector<int64_t> depths;
};

struct SupernetSpec {
  std::vector<int64_t> input;  // [H, W, C]
  int64_t classes = 0;
  int64_t stem = 16;
  int64_t stemStride = 1;
  std::vector<SuperStageSpec> stages;
  std::vector<int64_t> kernels;
  std::vector<double> expansions;
  bool squeezeExcite = false;
  double epsilon = 1e-3;
  double momentum = 0.9;  // Keras convention
};

struct ActiveBlock {
  int64_t kernel = 3;
  double expansion = 1;
  bool se = false;
};

struct ActiveStage {
  int64_t channels = 0;
  std::vector<ActiveBlock> blocks;
};

/** A sub-network: one entry per stage. */
using ActiveNet = std::vector<ActiveStage>;

struct SupernetTrainConfig {
  int64_t steps = 100;
  int64_t batchSize = 64;
  double lr = 3e-3;
  bool sgd = false;  // else Adam
  double momentum = 0.9;
  double weightDecay = 0;
  bool cosine = true;
  /** Random sub-networks per step besides the largest and smallest (sandwich rule); -1: one uniform sample per step. */
  int sandwich = 2;
  /** Sandwich rule: the other sub-networks learn the largest's softened outputs (in-place distillation, BigNAS). */
  bool distill = true;
  /**
   * Progressive shrinking (once-for-all), as phases of the steps: the first 20% train the largest
   * network only, then kernel sizes become elastic, from 40% depths too, from 60% expansions,
   * squeeze-excite and widths.
   */
  bool progressive = true;
  uint64_t seed = 0;
  std::string checkpoint;  // empty: none
  int64_t checkpointEvery = 50;
  int64_t reportEvery = 10;
  /**
   * Every `snapshotEvery` steps (0: never) the weights and statistics of that step, without the
   * optimizer, go to a file of their own: `snapshotPath` with "{step}" replaced by the step, written
   * atomically (temp file + rename) before that step's checkpoint. They change nothing the training
   * computes; loadCheckpoint reads them.
   */
  int64_t snapshotEvery = 0;
  std::string snapshotPath;
};

struct SupernetProgress {
  int64_t step = 0, steps = 0;
  double loss = 0, lr = 0, seconds = 0;
};

struct SupernetTrainOutcome {
  int64_t steps = 0;       // the step count reached (including steps done before a resume)
  int64_t resumedFrom = -1;  // the checkpoint's step when resumed
  double loss = 0;         // mean loss of the last report window
  double seconds = 0;      // this call's time
  double imagesPerSecond = 0;
  bool cancelled = false;
  int64_t divergedAt = -1;
  std::string divergedLoss;
  bool checkpointed = false;
};

/** ENAS's shared-weight phase (trainSubnets): one SGD step per given sub-network. */
struct SubnetStepsConfig {
  int64_t batchSize = 64;
  double lr = 0.05;
  double momentum = 0.9;  // Nesterov when > 0
  double weightDecay = 0;
  uint64_t seed = 0;
  /** The run's step count before this call: batches are a function of (seed, step), as in `train`. */
  int64_t firstStep = 0;
};

struct SubnetStepsOutcome {
  int64_t steps = 0;  // steps done by this call
  double loss = 0;    // their mean training loss
  bool cancelled = false;
  int64_t divergedAt = -1;
  std::string divergedLoss;
};

class Supernet {
 public:
  Supernet(SupernetSpec spec, uint64_t seed, torch::Device device);

  /** Checks a sub-network against the spec; throws GraphError naming what is wrong. */
  void check(const ActiveNet& a) const;
  ActiveNet largest() const;
  ActiveNet smallest() const;
  ActiveNet random(std::mt19937_64& rng) const;
  /** Elastic dimensions of `pick`: bits of kernel, depth, expansion (with squeeze-excite) and width. */
  enum Elastic { Kernel = 1, Depth = 2, Expansion = 4, Width = 8, All = 15 };
  /** A sub-network whose `elastic` choices are the smallest (`mode` 1) or random (2), the others the largest. */
  ActiveNet pick(int mode, int elastic, std::mt19937_64& rng) const;

  torch::Tensor forward(const torch::Tensor& x, const ActiveNet& a, bool training);

  /** Every weight and statistic at its largest, Keras layouts, keyed like the graph's `<node id>/<kind>`. */
  std::map<std::string, torch::Tensor> kerasWeights() const;
  /** The sub-network's weights (slices of the shared ones), keyed and laid out as mobilenetGraph's nodes. */
  std::map<std::string, torch::Tensor> subnetWeights(const ActiveNet& a) const;
  /** Sets one full-size weight from Keras layout (`kerasWeights` names). */
  void setKerasWeight(const std::string& name, const float* data, size_t count);
  int64_t paramCount() const;

  /** BatchNorm statistics re-estimated for `a` on `batches` training batches (cumulative average). */
  void recalibrate(const ActiveNet& a, const torch::Tensor& x, int batches, int64_t batchSize, const std::function<bool()>& cancelled);
  EvalOutcome evaluate(const ActiveNet& a, const Examples& data, int64_t batchSize, const std::function<bool()>& cancelled);

  SupernetTrainOutcome train(const Examples& data, const SupernetTrainConfig& c, const std::function<void(const SupernetProgress&)>& report,
                             const std::function<bool()>& cancelled);

  /**
   * One SGD step per sub-network of `nets`, in order, each on the next training batch: the
   * sub-networks an ENAS controller sampled, and only they, are trained (only their slices get
   * gradients; with weight decay 0 every other weight and statistic stays as it was). The optimizer
   * (and its momentum) persists across calls. Defined in supernet_subnets.cpp.
   */
  SubnetStepsOutcome trainSubnets(const Examples& data, const std::vector<ActiveNet>& nets, const SubnetStepsConfig& c, const std::function<bool()>& cancelled);

  /** Loads the weights (and statistics) of a checkpoint written by `train`; returns its step. */
  int64_t loadCheckpoint(const std::string& path);

  /**
   * trainSubnets' optimizer state (its momentum buffers), saved to a file of its own (atomically:
   * temp file + rename) and loaded back, so that a run holding the weights elsewhere continues
   * exactly. Loading refuses a file of another supernet; a state saved before any trainSubnets
   * call loads as none (the next call starts a fresh optimizer).
   */
  void saveSubnetState(const std::string& path);
  void loadSubnetState(const std::string& path);

  const SupernetSpec& spec() const { return spec_; }
  torch::Device device() const { return device_; }
  /** A text form of the spec, stored in checkpoints so that a checkpoint of another supernet is refused. */
  std::string signature() const;

 private:
  struct BN {
    torch::Tensor gamma, beta, mean, var;
  };
  struct Block {
    int64_t cinMax = 0, hiddenMax = 0, seMax = 0, coutMax = 0;
    bool hasExpand = false;
    torch::Tensor expandW, dwW, seReduceW, seReduceB, seExpandW, seExpandB, projW;
    BN expandBn, dwBn, projBn;
  };
  torch::Tensor bn(const torch::Tensor& x, BN& b, int64_t c, bool training);
  std::vector<torch::Tensor> parameters() const;
  std::vector<torch::Tensor*> tensors();
  /** `opt` null: the weights only (a snapshot). */
  void saveCheckpoint(const std::string& path, int64_t step, torch::optim::Optimizer* opt);

  SupernetSpec spec_;
  torch::Device device_;
  int64_t kMax_ = 1;
  torch::Tensor stemW_;
  BN stemBn_;
  std::vector<std::vector<Block>> blocks_;
  torch::Tensor headW_, headB_;
  int recalibrating_ = -1;
  std::unique_ptr<torch::optim::SGD> subnetOpt_;  // trainSubnets' optimizer
};

}  // namespace frontier
