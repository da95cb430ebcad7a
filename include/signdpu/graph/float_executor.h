// The float reference executor: runs a Graph in float32, batched, single
// threaded. Calibration and the float accuracy report use it, so it is
// checked against ONNX's conformance data (tests/graph/onnx_conformance_test.cc)
// before it is made fast (conv = im2col + a cache-blocked GEMM, float_gemm.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "signdpu/core/shape.h"
#include "signdpu/core/status.h"
#include "signdpu/graph/graph.h"

namespace signdpu::graph {

// Receives every tensor the executor computes, e.g. to collect activation
// ranges for calibration. `data` is valid only during the call.
class Observer {
 public:
  virtual ~Observer() = default;
  // Called once per fed tensor (graph input or, for RunSubset, any tensor fed).
  virtual void OnInput(const std::string& name, const float* data, const Shape& shape) {
    (void)name, (void)data, (void)shape;
  }
  // Called for every node output, in topological order.
  virtual void OnOutput(const Node& node, const std::string& name, const float* data,
                        const Shape& shape) = 0;
};

// Adapts a lambda to Observer.
class FunctionObserver : public Observer {
 public:
  using Fn = std::function<void(const Node&, const std::string&, const float*, const Shape&)>;
  explicit FunctionObserver(Fn fn) : fn_(std::move(fn)) {}
  void OnOutput(const Node& node, const std::string& name, const float* data,
                const Shape& shape) override {
    fn_(node, name, data, shape);
  }

 private:
  Fn fn_;
};

// Tensor name -> row-major float data of the shape Graph::ShapeOf(name, batch).
using InputMap = std::map<std::string, const float*>;
using TensorMap = std::map<std::string, std::vector<float>>;

class FloatExecutor {
 public:
  // Copies the graph, validates every node for batches up to max_batch and
  // allocates all buffers once (max_batch sized). Precomputes per-node data
  // (transposed Gemm weights, BatchNorm scale/shift).
  static Result<FloatExecutor> Create(const Graph& graph, int64_t max_batch);

  FloatExecutor(FloatExecutor&&) noexcept;
  FloatExecutor& operator=(FloatExecutor&&) noexcept;
  ~FloatExecutor();

  // Runs the whole graph. Every graph input must be in `inputs`.
  // 1 <= batch <= max_batch; batch fills the dynamic batch dim (a graph
  // without one runs its static shapes, with batch 1).
  Status Run(const InputMap& inputs, int64_t batch, Observer* observer = nullptr);

  // Runs only the nodes needed to compute `outputs` from the tensors in
  // `inputs` (graph inputs or any intermediate tensor) and returns copies.
  Result<TensorMap> RunSubset(const InputMap& inputs, const std::vector<std::string>& outputs,
                              int64_t batch, Observer* observer = nullptr);

  // After Run: the data of any tensor computed or fed by the last run, or of
  // a constant; nullptr for unknown names or tensors the last run skipped.
  const float* Output(const std::string& name) const;
  // Shape of `name` for the batch of the last run (or batch 1 before any run).
  Result<Shape> OutputShape(const std::string& name) const;
  // Copy of Output(name), NumElements(OutputShape(name)) values.
  Result<std::vector<float>> CopyOutput(const std::string& name) const;

  const Graph& graph() const;
  int64_t max_batch() const;

 private:
  struct Impl;
  explicit FloatExecutor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace signdpu::graph
