// Builds a compiled-style xmodel with any number of USER, DPU and CPU
// subgraphs, laid out as vai_c_xir 2.5 lays out its compiles (checked on
// tests/data/xmodels/vai25_zcu104_pointpillars.xmodel, docs/compile.md):
//   USER  one child per graph input: data-fix (int8, fix_point) or data (float)
//   DPU   one child per AddDpuSubgraph: upload per input, const-fix weights
//         and bias, the *-fix ops, download per output; attributes device,
//         dpu_name, dpu_fingerprint and the emulator's `runner` map
//   CPU   the connected components of the remaining ops (fix2float,
//         float2fix and ops copied from the source graph)
// Names are checked before XIR sees them (XIR aborts on a duplicate); the
// file is written atomically and re-read by our own loader.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "signdpu/core/shape.h"
#include "signdpu/core/status.h"
#include "signdpu/ir/fix_graph.h"

namespace xir {
class Graph;
class Op;
}  // namespace xir

namespace signdpu::xmodel {

class CompiledXmodelBuilder {
 public:
  explicit CompiledXmodelBuilder(const std::string& model_name);
  ~CompiledXmodelBuilder();
  CompiledXmodelBuilder(const CompiledXmodelBuilder&) = delete;
  CompiledXmodelBuilder& operator=(const CompiledXmodelBuilder&) = delete;

  // USER: an int8 input (data-fix, output tensor `tensor_name`) or a float
  // input (data, FLOAT32).
  Result<xir::Op*> AddDataFix(const std::string& name, const Shape& shape, int fix_point,
                              const std::string& tensor_name);
  Result<xir::Op*> AddFloatData(const std::string& name, const Shape& shape);
  // DPU: inputs[i] (an XINT8 op outside) feeds g.inputs[i] through an upload
  // "<op>_upload_0"; every g.outputs[j] leaves through a download
  // "<op>_download_0" whose output tensor carries the FixGraph tensor's name
  // (the op's own tensor gets "<name>_download_0", as vai_c_xir names them).
  // Returns the downloads, in g.outputs order. `g` must be valid.
  Result<std::vector<xir::Op*>> AddDpuSubgraph(const FixGraph& g, const std::vector<xir::Op*>& inputs);
  // CPU
  Result<xir::Op*> AddFix2Float(const std::string& name, xir::Op* input, int fix_point);
  Result<xir::Op*> AddFloat2Fix(const std::string& name, xir::Op* input, int fix_point);
  // A copy of a source op (type, attributes, output tensor name) on the given
  // inputs (argument name -> ops).
  Result<xir::Op*> CopyCpuOp(const xir::Op* source, const std::map<std::string, std::vector<xir::Op*>>& inputs);

  // The source graph's signdpu_* attributes (input mean / scale / colour,
  // softmax, labels: what `signdpu run` reads; docs/xmodel.md).
  void CopyModelInfo(const xir::Graph& source);

  // The subgraph tree, then the file. `target`: the DPU's name; every DPU
  // child carries `fingerprint`.
  Status Write(const std::string& target, uint64_t fingerprint, const std::string& path);

  // True when `name` is an op or tensor name already.
  bool HasName(const std::string& name) const { return names_.count(name) != 0; }

  // For tests: the graph built so far.
  const xir::Graph& graph() const;

 private:
  Status CheckNewName(const std::string& op_name) const;
  Status Rename(xir::Op* op, const std::string& tensor_name);
  Status MakeSubgraphs(const std::string& target, uint64_t fingerprint);
  std::string model_;
  std::unique_ptr<xir::Graph> graph_;
  std::set<std::string> names_;  // op and tensor names used so far
  std::vector<xir::Op*> user_, cpu_;
  std::vector<std::vector<xir::Op*>> dpu_;
};

}  // namespace signdpu::xmodel
