// Compiled-style xmodels built directly with libxir for the emulator tests:
// data-fix inputs (USER subgraph), *-fix ops with const-fix operands (one DPU
// subgraph), as vai_c_xir lays them out; no signdpu writer involved, so the
// reader is tested against XIR's own op definitions.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>
#include <xir/attrs/attrs.hpp>
#include <xir/graph/graph.hpp>

namespace signdpu::testing {

class XirGraphBuilder {
 public:
  explicit XirGraphBuilder(const std::string& name);
  // data-fix (XINT8) with fix attributes on its tensor.
  xir::Op* Data(const std::string& name, const std::vector<int>& shape, int fix_point);
  // const-fix holding `data`.
  xir::Op* Const(const std::string& name, const std::vector<int>& shape, const std::vector<int8_t>& data,
                 int fix_point);
  // Any *-fix op; the output tensor gets `fix_point`. Aborts inside XIR on an
  // invalid op (tests build valid ones).
  xir::Op* Op(const std::string& name, const std::string& type, std::unique_ptr<xir::Attrs> attrs,
              const std::map<std::string, std::vector<xir::Op*>>& inputs, int fix_point);
  // Splits into a USER subgraph (the data-fix ops) and one DPU subgraph (the
  // rest), with device, dpu_name and fingerprint; returns the DPU subgraph.
  const xir::Subgraph* Finish();
  xir::Graph* graph() { return graph_.get(); }

 private:
  std::unique_ptr<xir::Graph> graph_;
  std::vector<xir::Op*> user_, dpu_;
};

std::unique_ptr<xir::Attrs> NewXirAttrs();

}  // namespace signdpu::testing
