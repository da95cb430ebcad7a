#include "xir_graph_builder.h"

#include <set>
#include <vitis/ai/target_factory.hpp>
#include <xir/graph/subgraph.hpp>

namespace signdpu::testing {

namespace {
void SetFix(xir::Op* op, int fix_point) {
  xir::Tensor* t = op->get_output_tensor();
  t->set_attr("fix_point", xir::any(fix_point));
  t->set_attr("bit_width", xir::any(8));
  t->set_attr("if_signed", xir::any(true));
  t->set_attr("round_mode", xir::any(std::string("DPU_ROUND")));
}

xir::Subgraph* Merge(xir::Graph* g, const std::vector<xir::Op*>& ops, const std::string& name) {
  std::set<xir::Subgraph*> leaves;
  for (xir::Op* op : ops) leaves.insert(g->get_leaf_subgraph(op));
  xir::Subgraph* sg = leaves.size() == 1 ? *leaves.begin() : g->get_root_subgraph()->merge_children(leaves);
  sg->set_name(name);
  return sg;
}
}  // namespace

std::unique_ptr<xir::Attrs> NewXirAttrs() { return xir::Attrs::create(); }

XirGraphBuilder::XirGraphBuilder(const std::string& name) : graph_(xir::Graph::create(name)) {}

xir::Op* XirGraphBuilder::Data(const std::string& name, const std::vector<int>& shape, int fix_point) {
  auto a = NewXirAttrs();
  a->set_attr<std::vector<int>>("shape", shape);
  a->set_attr<std::string>("data_type", "XINT8");
  xir::Op* op = graph_->add_op(name, "data-fix", std::move(a), {});
  SetFix(op, fix_point);
  user_.push_back(op);
  return op;
}

xir::Op* XirGraphBuilder::Const(const std::string& name, const std::vector<int>& shape,
                                const std::vector<int8_t>& data, int fix_point) {
  auto a = NewXirAttrs();
  a->set_attr<std::vector<int>>("shape", shape);
  a->set_attr<std::string>("data_type", "XINT8");
  a->set_attr<std::vector<char>>("data", std::vector<char>(data.begin(), data.end()));
  xir::Op* op = graph_->add_op(name, "const-fix", std::move(a), {});
  SetFix(op, fix_point);
  dpu_.push_back(op);
  return op;
}

xir::Op* XirGraphBuilder::Op(const std::string& name, const std::string& type, std::unique_ptr<xir::Attrs> attrs,
                             const std::map<std::string, std::vector<xir::Op*>>& inputs, int fix_point) {
  xir::Op* op = graph_->add_op(name, type, std::move(attrs), inputs, xir::DataType("XINT8"));
  SetFix(op, fix_point);
  dpu_.push_back(op);
  return op;
}

const xir::Subgraph* XirGraphBuilder::Finish() {
  xir::Subgraph* root = graph_->get_root_subgraph();
  root->create_children();
  xir::Subgraph* user = Merge(graph_.get(), user_, "subgraph_user");
  user->set_attr<std::string>("device", "USER");
  xir::Subgraph* dpu = Merge(graph_.get(), dpu_, "subgraph_" + dpu_.back()->get_name());
  dpu->set_attr<std::string>("device", "DPU");
  dpu->set_attr<std::string>("dpu_name", "DPUCZDX8G_ISA1_B4096");
  dpu->set_attr<std::uint64_t>("dpu_fingerprint",
                               vitis::ai::target_factory()->get_fingerprint("DPUCZDX8G_ISA1_B4096"));
  // As vai_c_xir writes it; the tests reach the emulator through the `lib` override.
  dpu->set_attr<std::map<std::string, std::string>>(
      "runner", {{"ref", "libvart-cpu-runner.so"}, {"sim", "libvart-sim-runner.so"}, {"run", "libvart-dpu-runner.so"}});
  return dpu;
}

}  // namespace signdpu::testing
