// Helpers for the emulator tests: runners through the real libvart, host
// tensor buffers with any batch, and one execute_async + wait.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>
#include <vart/runner.hpp>
#include <vart/tensor_buffer.hpp>
#include <xir/tensor/tensor.hpp>

namespace xir {
class Subgraph;
}

namespace signdpu::testing {

constexpr const char* kEmuLibrary = "libvart-signdpu-emu-runner.so";

// vart::Runner::create_runner_with_attrs with mode "ref", the `lib` override
// {"DPU": libvart-signdpu-emu-runner.so} and the given int attributes.
std::unique_ptr<vart::Runner> CreateEmuRunner(const xir::Subgraph* subgraph,
                                              const std::map<std::string, int>& int_attrs = {});

// Host buffers for `tensors` with dim 0 replaced by `batch` (attrs kept).
struct HostBuffers {
  std::vector<std::unique_ptr<xir::Tensor>> tensors;
  std::vector<std::unique_ptr<vart::TensorBuffer>> buffers;
  std::vector<vart::TensorBuffer*> raw() const;
  int8_t* data(size_t i) const;
  size_t bytes(size_t i) const;  // of the whole buffer
};
HostBuffers MakeBuffers(const std::vector<const xir::Tensor*>& tensors, int batch);

// Fills the inputs, runs one job, returns the outputs (or {} on failure).
std::vector<std::vector<int8_t>> RunJob(vart::Runner* runner, const std::vector<std::vector<int8_t>>& inputs,
                                        int batch);

}  // namespace signdpu::testing
