// A model graph (shared/types/graph.ts) lowered to libtorch: one set of parameter tensors per node
// and a forward pass that walks the nodes in order. Tensors are NCHW inside (libtorch's layout);
// the graph is NHWC, so Reshape flattens in NHWC order and weights cross the boundary in Keras
// layouts (`<node id>/<kind>`, as main/services/export/weights.ts describes), so that a model
// trained here exports through the same TFLite path as a tfjs one.
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace frontier {

struct NodeSpec {
  std::string id;
  std::string op;
  int64_t kernel = 1;
  int64_t stride = 1;
  int64_t kernelW = 1;  // along W; the graph's absent kernelW means kernel (napi_util.h fills it in)
  int64_t strideW = 1;
  int64_t filters = 0;
  int64_t units = 0;
  int64_t vocab = 0;   // Embedding rows
  int64_t heads = 1;   // Attention heads
  bool useBias = false;
  double epsilon = 1e-3;  // BatchNorm; LayerNorm defaults to 1e-6
  double momentum = 0.99;  // Keras convention: new = m * old + (1 - m) * batch
  bool keepDims = false;
  std::vector<int> inputs;      // -1: the graph input; else an earlier node's index
  std::vector<int64_t> shape;   // NHWC without the batch dimension
};

struct GraphSpec {
  std::vector<int64_t> input;  // [H, W, C]
  std::vector<NodeSpec> nodes;
  int output = -1;
  int64_t classes = 0;
};

/** An error in the graph itself (as opposed to a libtorch failure): names the node. */
struct GraphError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class GraphNet {
 public:
  /**
   * Builds the parameters (seeded initialisation) and checks every node's shape with one forward pass.
   * `fastDepthwise`: depthwise convolutions on the CPU use Frontier's backward pass where it beats
   * libtorch's (false: libtorch's own, for comparison).
   */
  GraphNet(GraphSpec spec, uint64_t seed, torch::Device device, bool fastDepthwise = true);

  /** Logits [N, classes] of an NCHW batch. */
  torch::Tensor forward(const torch::Tensor& x, bool training);

  std::vector<torch::Tensor> parameters() const;
  /** Parameters plus BatchNorm statistics, as the analytic count has them. */
  int64_t paramCount() const;

  /** Every weight in Keras layout on the CPU, keyed `<node id>/<kind>` (`grads`: their gradients instead, no BatchNorm statistics). */
  std::map<std::string, torch::Tensor> kerasWeights(bool grads = false) const;
  /** Gradients of the mean cross-entropy of one batch (training mode), in Keras layouts; weights and statistics unchanged. */
  std::map<std::string, torch::Tensor> kerasGradients(const torch::Tensor& x, const torch::Tensor& y);
  /** Sets one weight from Keras layout; throws GraphError for an unknown name or a wrong size. */
  void setKerasWeight(const std::string& name, const float* data, size_t count);

  /** Copies of every parameter and buffer (to keep the best epoch's weights). */
  std::vector<torch::Tensor> snapshot() const;
  void restore(const std::vector<torch::Tensor>& s);

  /**
   * BatchNorm re-estimation: `beginRecalibration` zeroes the running statistics and makes each
   * training-mode forward pass average into them (the k-th pass weighs 1/(k+1)); `end` restores the
   * usual momentum.
   */
  void beginRecalibration();
  void endRecalibration();

  const GraphSpec& spec() const { return spec_; }
  torch::Device device() const { return device_; }

 private:
  struct Params {
    torch::Tensor weight, bias, gamma, beta, mean, var;
    int64_t cin = 0;
    torch::Tensor poolDivisor;  // AvgPool with asymmetric padding: valid elements per window
  };
  torch::Tensor apply(size_t i, const std::vector<torch::Tensor>& xs, bool training);
  std::vector<torch::Tensor*> tensors();

  GraphSpec spec_;
  torch::Device device_;
  std::vector<Params> params_;
  bool fastDepthwise_ = true;
  int recalibrating_ = -1;  // batches seen during recalibration, -1 when not recalibrating
};

std::string shapeString(const torch::Tensor& t);

/** TensorFlow 'same' padding of one spatial axis of size `in`, kernel `k`, stride `s`: (before, after). */
std::pair<int64_t, int64_t> tfSamePad(int64_t in, int64_t k, int64_t s);

/**
 * Depthwise convolution of an already padded NCHW input with Frontier's faster CPU backward pass
 * (see graph_net.cpp); `w` may be a view (a slice of a larger kernel): its gradient flows back into it.
 */
torch::Tensor depthwiseFastBackward(const torch::Tensor& xp, const torch::Tensor& w, int64_t stride);

}  // namespace frontier
