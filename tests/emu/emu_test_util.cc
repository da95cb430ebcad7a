#include "emu_test_util.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vart/experimental/runner_helper.hpp>
#include <xir/attrs/attrs.hpp>
#include <xir/graph/subgraph.hpp>

namespace signdpu::testing {

std::unique_ptr<vart::Runner> CreateEmuRunner(const xir::Subgraph* subgraph, const std::map<std::string, int>& int_attrs) {
  auto attrs = xir::Attrs::create();
  attrs->set_attr<std::string>("mode", "ref");
  attrs->set_attr<std::map<std::string, std::string>>("lib", {{"DPU", kEmuLibrary}});
  for (const auto& [key, value] : int_attrs) attrs->set_attr<int>(key, value);
  return vart::Runner::create_runner_with_attrs(subgraph, attrs.get());
}

std::vector<vart::TensorBuffer*> HostBuffers::raw() const {
  std::vector<vart::TensorBuffer*> r;
  for (const auto& b : buffers) r.push_back(b.get());
  return r;
}

int8_t* HostBuffers::data(size_t i) const {
  std::vector<int32_t> zeros(tensors[i]->get_shape().size(), 0);
  return reinterpret_cast<int8_t*>(buffers[i]->data(zeros).first);
}

size_t HostBuffers::bytes(size_t i) const { return static_cast<size_t>(tensors[i]->get_data_size()); }

HostBuffers MakeBuffers(const std::vector<const xir::Tensor*>& tensors, int batch) {
  HostBuffers hb;
  std::vector<const xir::Tensor*> raw;
  for (const xir::Tensor* t : tensors) {
    std::vector<int32_t> shape = t->get_shape();
    shape[0] = batch;
    auto clone = xir::Tensor::create(t->get_name(), shape, t->get_data_type());
    clone->set_attrs(t->get_attrs());
    raw.push_back(clone.get());
    hb.tensors.push_back(std::move(clone));
  }
  hb.buffers = vart::alloc_cpu_flat_tensor_buffers(raw);
  return hb;
}

std::vector<std::vector<int8_t>> RunJob(vart::Runner* runner, const std::vector<std::vector<int8_t>>& inputs,
                                        int batch) {
  HostBuffers in = MakeBuffers(runner->get_input_tensors(), batch);
  HostBuffers out = MakeBuffers(runner->get_output_tensors(), batch);
  EXPECT_EQ(in.buffers.size(), inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_EQ(in.bytes(i), inputs[i].size());
    std::memcpy(in.data(i), inputs[i].data(), std::min(in.bytes(i), inputs[i].size()));
  }
  for (size_t i = 0; i < out.buffers.size(); ++i) std::memset(out.data(i), 0x5A, out.bytes(i));
  auto job = runner->execute_async(in.raw(), out.raw());
  EXPECT_EQ(job.second, 0);
  if (job.second != 0) return {};
  EXPECT_EQ(runner->wait(static_cast<int>(job.first), -1), 0);
  std::vector<std::vector<int8_t>> outputs;
  for (size_t i = 0; i < out.buffers.size(); ++i) outputs.emplace_back(out.data(i), out.data(i) + out.bytes(i));
  return outputs;
}

}  // namespace signdpu::testing
