// DPU subgraph -> FixGraph. See include/signdpu/xmodel/dpu_subgraph_reader.h
// and docs/xmodel.md for the attribute sources.
#include "signdpu/xmodel/dpu_subgraph_reader.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>
#include <queue>
#include <set>
#include <unordered_map>
#include <xir/graph/graph.hpp>
#include <xir/graph/subgraph.hpp>
#include <xir/op/op.hpp>
#include <xir/tensor/tensor.hpp>

#include "signdpu/core/file_io.h"
#include "signdpu/ir/grouped_conv.h"
#include "signdpu/xmodel/xir_attr.h"
#include "signdpu/xmodel/xmodel_file.h"
#include "signdpu/xmodel/xir_names.h"
#include "ops/xir_op_io.h"

namespace signdpu::xmodel {

namespace {

using ParamMap = std::map<std::string, std::vector<char>>;

using internal::XirOpIo;

constexpr int kMaxAbsFixPoint = 32;

std::string OpWhere(const xir::Op* op, const std::string& subgraph) {
  return "subgraph " + subgraph + ": op " + op->get_name() + " (" + op->get_type() + ")";
}

class Reader final : public internal::XirReadContext {
 public:
  explicit Reader(const xir::Subgraph* subgraph) : subgraph_(subgraph), sg_name_(subgraph->get_name()) {}

  Result<FixGraph> Read() {
    const std::string where = "subgraph " + sg_name_;
    SIGNDPU_ASSIGN_OR_RETURN(const std::string device,
                             GetAttr<std::string>(subgraph_, names::kDevice, where));
    if (device != names::kDeviceDpu)
      return Unsupported(where + ": device is " + device + ", not " + names::kDeviceDpu);
    graph_.name = sg_name_;
    if (subgraph_->get_op_num() > kMaxXmodelOps)
      return OutOfRange(where + ": " + std::to_string(subgraph_->get_op_num()) + " ops, more than the " +
                        std::to_string(kMaxXmodelOps) + " a subgraph may have");

    // Inputs made outside the subgraph, in the order the DPU runner uses.
    for (const xir::Tensor* t : subgraph_->get_sorted_input_tensors()) {
      SIGNDPU_ASSIGN_OR_RETURN(int id, AddTensor(t, /*is_op_output=*/false, where + ": input tensor"));
      graph_.inputs.push_back(id);
    }
    SIGNDPU_ASSIGN_OR_RETURN(std::vector<const xir::Op*> order, OpOrder());
    if (order.empty()) return InvalidArgument(where + ": has no ops");
    std::vector<int> inner_inputs;
    for (const xir::Op* op : order) {
      const std::string type = op->get_type();
      if (type == names::kConstFix) continue;  // read by the op that uses it
      if (type == names::kDataFix) {
        SIGNDPU_ASSIGN_OR_RETURN(int id, AddTensor(op->get_output_tensor(), false, OpWhere(op, sg_name_)));
        inner_inputs.push_back(id);
        continue;
      }
      SIGNDPU_RETURN_IF_ERROR(AddOp(op));
    }
    std::sort(inner_inputs.begin(), inner_inputs.end(),
              [&](int a, int b) { return graph_.tensors[a].name < graph_.tensors[b].name; });
    graph_.inputs.insert(graph_.inputs.end(), inner_inputs.begin(), inner_inputs.end());
    if (graph_.inputs.empty()) return InvalidArgument(where + ": has no input tensors");

    for (const xir::Tensor* t : subgraph_->get_sorted_output_tensors()) {
      const int id = FindTensor(t->get_name());
      if (id < 0 || !produced_.count(id))
        return Unsupported(where + ": output tensor " + t->get_name() + " is not computed by a DPU op");
      graph_.outputs.push_back(id);
    }
    if (graph_.outputs.empty()) return InvalidArgument(where + ": has no output tensors");
    // Every tensor of one image, before anything is allocated for it (an
    // executor holds them all, times its batch).
    uint64_t bytes = 0;
    for (const FixTensor& t : graph_.tensors) bytes += static_cast<uint64_t>(t.per_image_size());
    SIGNDPU_ASSIGN_OR_RETURN(const uint64_t budget, TensorBudgetBytes());
    if (bytes > budget)
      return OutOfRange(where + ": its tensors need " + FormatBytes(bytes) + " per image, more than the " +
                        FormatBytes(budget) + " tensor memory budget (" + kTensorBudgetEnv + ")");
    SIGNDPU_RETURN_IF_ERROR(graph_.Validate().WithContext(where));
    // Weight groups as written (conv2d-fix per group + concat-fix) -> one
    // grouped conv op each: the executor runs the op (signdpu/ir/grouped_conv.h).
    ir::GroupWeightConvs(&graph_);
    return std::move(graph_);
  }

 private:
  // ---- op order --------------------------------------------------------------
  // XIR's topological order, re-ranked so that the ops of super-layer children
  // follow children_topological_sort; ops in no listed child (upload,
  // download) run as soon as their inputs are ready.
  Result<std::vector<const xir::Op*>> OpOrder() {
    std::vector<const xir::Op*> topo = subgraph_->topological_sort();
    if (!subgraph_->has_attr(names::kChildrenTopologicalSort)) return topo;
    const std::string where = "subgraph " + sg_name_;
    SIGNDPU_ASSIGN_OR_RETURN(std::vector<std::string> child_names,
                             GetAttr<std::vector<std::string>>(subgraph_, names::kChildrenTopologicalSort, where));
    if (subgraph_->is_leaf())
      return InvalidArgument(where + ": has " + names::kChildrenTopologicalSort + " but no children");
    std::map<std::string, const xir::Subgraph*> children;
    for (const xir::Subgraph* c : subgraph_->get_children()) children[c->get_name()] = c;
    std::map<const xir::Op*, int> rank;  // child index; -1 = not in a listed child
    for (const xir::Op* op : topo) rank[op] = -1;
    for (size_t i = 0; i < child_names.size(); ++i) {
      auto it = children.find(child_names[i]);
      if (it == children.end())
        return InvalidArgument(where + ": " + names::kChildrenTopologicalSort + " names unknown child " +
                               child_names[i]);
      for (const xir::Op* op : it->second->get_ops()) rank[op] = static_cast<int>(i);
    }
    std::map<const xir::Op*, int> position;
    for (size_t i = 0; i < topo.size(); ++i) position[topo[i]] = static_cast<int>(i);
    std::map<const xir::Op*, int> pending;  // inputs inside the subgraph not yet placed
    std::map<const xir::Op*, std::vector<const xir::Op*>> users;
    for (const xir::Op* op : topo) {
      int n = 0;
      for (const auto& [arg, inputs] : op->get_input_ops()) {
        (void)arg;
        for (const xir::Op* in : inputs) {
          if (!position.count(in)) continue;
          ++n;
          users[in].push_back(op);
        }
      }
      pending[op] = n;
    }
    auto later = [&](const xir::Op* a, const xir::Op* b) {
      return std::make_pair(rank[a], position[a]) > std::make_pair(rank[b], position[b]);
    };
    std::priority_queue<const xir::Op*, std::vector<const xir::Op*>, decltype(later)> ready(later);
    for (const xir::Op* op : topo)
      if (pending[op] == 0) ready.push(op);
    std::vector<const xir::Op*> order;
    while (!ready.empty()) {
      const xir::Op* op = ready.top();
      ready.pop();
      order.push_back(op);
      for (const xir::Op* u : users[op])
        if (--pending[u] == 0) ready.push(u);
    }
    if (order.size() != topo.size()) return Internal(where + ": op graph has a cycle");
    return order;
  }

  // ---- tensors ---------------------------------------------------------------
  // By name through an index: FixGraph::FindTensor scans, and it was called
  // per tensor and per op input (quadratic on a graph of thousands of ops).
  int FindTensor(const std::string& name) const {
    auto it = tensor_ids_.find(name);
    return it == tensor_ids_.end() ? -1 : it->second;
  }

  Result<int> AddTensor(const xir::Tensor* t, bool is_op_output, const std::string& context) {
    const std::string where = context + " " + t->get_name();
    if (FindTensor(t->get_name()) >= 0) return InvalidArgument(where + ": tensor name used twice");
    FixTensor ft;
    ft.name = t->get_name();
    SIGNDPU_ASSIGN_OR_RETURN(ft.shape, ActivationShape(t, where));
    SIGNDPU_RETURN_IF_ERROR(ReadFixInfo(t, where, &ft.fix_point, &ft.bit_width, &ft.if_signed));
    if (is_op_output && t->has_attr(names::kRoundMode)) {
      SIGNDPU_ASSIGN_OR_RETURN(std::string mode, GetAttr<std::string>(t, names::kRoundMode, where));
      if (mode != names::kDpuRound)
        return Unsupported(where + ": round_mode " + mode + " (the DPU rounds activations with DPU_ROUND)");
    }
    graph_.tensors.push_back(ft);
    const int id = static_cast<int>(graph_.tensors.size() - 1);
    tensor_ids_.emplace(graph_.tensors.back().name, id);
    return id;
  }

  // Per-image shape; XIR gives dim 0 = batch, which must be 1 in an xmodel.
  static Result<Shape> ActivationShape(const xir::Tensor* t, const std::string& where) {
    const std::vector<int32_t> dims = t->get_shape();
    if (dims.empty() || dims.size() > 4)
      return Unsupported(where + ": rank " + std::to_string(dims.size()) + " (expected 1 to 4 dims, NHWC)");
    Shape shape;
    for (int32_t d : dims) {
      if (d <= 0) return InvalidArgument(where + ": dimension " + std::to_string(d));
      shape.push_back(d);
    }
    if (shape[0] != 1)
      return Unsupported(where + ": batch dimension " + std::to_string(shape[0]) + " (xmodels are compiled for 1)");
    return shape;
  }

  // fix_point / bit_width / if_signed: tensor attrs, then the legacy
  // quant_out_* tensor attrs, then the producing op's attrs.
  Status ReadFixInfo(const xir::Tensor* t, const std::string& where, int* fix_point, int* bit_width,
                     bool* if_signed) override {
    const xir::Op* producer = t->get_producer();
    auto pick_int = [&](const char* key, const char* legacy, int* out) -> Status {
      if (t->has_attr(key)) {
        SIGNDPU_ASSIGN_OR_RETURN(*out, GetAttr<int>(t, key, where));
      } else if (t->has_attr(legacy)) {
        SIGNDPU_ASSIGN_OR_RETURN(*out, GetAttr<int>(t, legacy, where));
      } else if (producer != nullptr && producer->has_attr(key)) {
        SIGNDPU_ASSIGN_OR_RETURN(*out, GetAttr<int>(producer, key, where + " (producer op)"));
      } else {
        return InvalidArgument(where + ": no '" + key + "' attribute on the tensor or its producer");
      }
      return Status::Ok();
    };
    SIGNDPU_RETURN_IF_ERROR(pick_int(names::kFixPoint, names::kLegacyFixPoint, fix_point));
    if (*fix_point < -kMaxAbsFixPoint || *fix_point > kMaxAbsFixPoint)
      return OutOfRange(where + ": fix_point " + std::to_string(*fix_point) + " outside [-32, 32]");
    if (t->has_attr(names::kBitWidth) || t->has_attr(names::kLegacyBitWidth) ||
        (producer != nullptr && producer->has_attr(names::kBitWidth))) {
      SIGNDPU_RETURN_IF_ERROR(pick_int(names::kBitWidth, names::kLegacyBitWidth, bit_width));
    } else {
      *bit_width = t->get_data_type().bit_width;
    }
    if (t->has_attr(names::kIfSigned)) {
      SIGNDPU_ASSIGN_OR_RETURN(*if_signed, GetAttr<bool>(t, names::kIfSigned, where));
    } else if (t->has_attr(names::kLegacySigned)) {
      SIGNDPU_ASSIGN_OR_RETURN(*if_signed, GetAttr<bool>(t, names::kLegacySigned, where));
    } else if (producer != nullptr && producer->has_attr(names::kIfSigned)) {
      SIGNDPU_ASSIGN_OR_RETURN(*if_signed, GetAttr<bool>(producer, names::kIfSigned, where + " (producer op)"));
    } else {
      const auto type = t->get_data_type().type;
      *if_signed = type == xir::DataType::XINT || type == xir::DataType::INT;
    }
    const auto type = t->get_data_type().type;
    if (type != xir::DataType::XINT && type != xir::DataType::INT)
      return Unsupported(where + ": data type " + t->get_data_type().to_string() + " (expected XINT8)");
    return Status::Ok();
  }

  // ---- ops (the helpers an op's read function uses) --------------------------
  const FixGraph& graph() const override { return graph_; }

  // The single op feeding argument `arg` (and the FixGraph tensor id if it is
  // an activation).
  Result<std::vector<const xir::Op*>> ArgOps(const xir::Op* op, const std::string& arg, size_t min_count,
                                             size_t max_count, const std::string& where) override {
    const auto all = op->get_input_ops();
    auto it = all.find(arg);
    const size_t n = it == all.end() ? 0 : it->second.size();
    if (n < min_count || n > max_count)
      return InvalidArgument(where + ": argument '" + arg + "' has " + std::to_string(n) + " inputs, expected " +
                             (min_count == max_count ? std::to_string(min_count)
                                                     : std::to_string(min_count) + ".." + std::to_string(max_count)));
    if (it == all.end()) return std::vector<const xir::Op*>{};
    return it->second;
  }

  Status CheckArgNames(const xir::Op* op, const std::set<std::string>& allowed, const std::string& where) override {
    for (const auto& [arg, inputs] : op->get_input_ops()) {
      if (!inputs.empty() && !allowed.count(arg))
        return Unsupported(where + ": unexpected argument '" + arg + "'");
    }
    return Status::Ok();
  }

  Result<int> ActivationId(const xir::Op* input_op, const std::string& where) override {
    const xir::Tensor* t = input_op->get_output_tensor();
    const int id = FindTensor(t->get_name());
    if (id < 0) {
      if (input_op->get_type() == names::kConstFix)
        return Unsupported(where + ": constant input " + input_op->get_name() + " (only conv weights/bias may be constants)");
      return InvalidArgument(where + ": input " + t->get_name() + " is neither a subgraph input nor computed before");
    }
    return id;
  }

  Result<std::vector<int>> WindowAttr(const xir::Op* op, const char* key, size_t size, int lo, int hi,
                                      std::vector<int> fallback, const std::string& where) override {
    std::vector<int> v;
    if (fallback.empty()) {
      SIGNDPU_ASSIGN_OR_RETURN(v, GetAttr<std::vector<int>>(op, key, where));
    } else {
      SIGNDPU_ASSIGN_OR_RETURN(v, GetAttrOr<std::vector<int>>(op, key, fallback, where));
    }
    if (v.size() != size)
      return InvalidArgument(where + ": attribute '" + key + "' has " + std::to_string(v.size()) +
                             " values, expected " + std::to_string(size));
    for (int x : v)
      if (x < lo || x > hi)
        return InvalidArgument(where + ": attribute '" + key + "' value " + std::to_string(x) + " outside [" +
                               std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return v;
  }

  // One op through its registration (ops/xir_op_io.h), keyed by XIR type.
  Status AddOp(const xir::Op* op) {
    const std::string where = OpWhere(op, sg_name_);
    const std::string type = op->get_type();
    const XirOpIo* io = internal::FindXirOpIoByType(type);
    if (io == nullptr) return Unsupported(where + ": op type " + type + " is not supported by signdpu");
    FixOp f;
    f.name = op->get_name();
    SIGNDPU_RETURN_IF_ERROR(io->read(*this, op, type, where, &f));
    SIGNDPU_ASSIGN_OR_RETURN(f.output, AddTensor(op->get_output_tensor(), true, where + ": output"));
    produced_.insert(f.output);
    if (io->read_done != nullptr) SIGNDPU_RETURN_IF_ERROR(io->read_done(graph_, where, &f));
    graph_.ops.push_back(std::move(f));
    return Status::Ok();
  }

  // ---- constants -------------------------------------------------------------
  // Bytes of a const-fix: its `data` attr, or (compiled xmodels, where `data`
  // is empty) REG_<reg_id> of reg_id_to_parameter_value at ddr_addr.
  Result<std::vector<int8_t>> ConstBytes(const xir::Op* c, const std::string& user) override {
    const std::string where = user + ": constant " + c->get_name();
    const xir::Tensor* t = c->get_output_tensor();
    const int64_t n = t->get_element_num();
    if (t->get_data_type().bit_width != 8)
      return Unsupported(where + ": data type " + t->get_data_type().to_string() + " (expected 8-bit)");
    std::vector<char> data;
    if (c->has_attr(names::kData_)) {
      SIGNDPU_ASSIGN_OR_RETURN(data, GetAttr<std::vector<char>>(c, names::kData_, where));
    }
    if (static_cast<int64_t>(data.size()) == n) return std::vector<int8_t>(data.begin(), data.end());
    if (!data.empty())
      return InvalidArgument(where + ": data has " + std::to_string(data.size()) + " bytes, shape needs " +
                             std::to_string(n));
    SIGNDPU_ASSIGN_OR_RETURN(int reg_id, GetAttr<int>(t, names::kRegId, where + " (no data bytes)"));
    SIGNDPU_ASSIGN_OR_RETURN(int ddr_addr, GetAttr<int>(t, names::kDdrAddr, where + " (no data bytes)"));
    SIGNDPU_ASSIGN_OR_RETURN(const ParamMap* params, Parameters());
    const std::string reg = names::kRegPrefix + std::to_string(reg_id);
    auto it = params->find(reg);
    if (it == params->end())
      return InvalidArgument(where + ": " + names::kRegIdToParameterValue + " has no " + reg);
    SIGNDPU_RETURN_IF_ERROR(CheckContextType(reg, where));
    const std::vector<char>& bytes = it->second;
    if (ddr_addr < 0 || static_cast<int64_t>(ddr_addr) + n > static_cast<int64_t>(bytes.size()))
      return InvalidArgument(where + ": " + std::to_string(n) + " bytes at ddr_addr " + std::to_string(ddr_addr) +
                             " exceed " + reg + " (" + std::to_string(bytes.size()) + " bytes)");
    return std::vector<int8_t>(bytes.begin() + ddr_addr, bytes.begin() + ddr_addr + n);
  }

  // reg_id_to_parameter_value of the DPU subgraph (or an ancestor), read once.
  Result<const ParamMap*> Parameters() {
    if (params_loaded_) return &params_;
    for (const xir::Subgraph* s = subgraph_; s != nullptr; s = s->is_root() ? nullptr : s->get_parent()) {
      if (!s->has_attr(names::kRegIdToParameterValue)) continue;
      SIGNDPU_ASSIGN_OR_RETURN(params_, GetAttr<ParamMap>(s, names::kRegIdToParameterValue,
                                                          "subgraph " + s->get_name()));
      params_owner_ = s;
      params_loaded_ = true;
      return &params_;
    }
    return InvalidArgument("subgraph " + sg_name_ + ": constants have no data bytes and there is no " +
                           names::kRegIdToParameterValue + " attribute");
  }

  Status CheckContextType(const std::string& reg, const std::string& where) {
    if (params_owner_ == nullptr || !params_owner_->has_attr(names::kRegIdToContextType)) return Status::Ok();
    // Read once (it was copied out of XIR for every constant).
    if (!context_types_loaded_) {
      SIGNDPU_ASSIGN_OR_RETURN(context_types_, GetAttr<StringMap>(params_owner_, names::kRegIdToContextType, where));
      context_types_loaded_ = true;
    }
    const StringMap& types = context_types_;
    auto it = types.find(reg);
    if (it != types.end() && it->second != names::kContextConst)
      return InvalidArgument(where + ": " + reg + " is a " + it->second + " register, not " + names::kContextConst);
    return Status::Ok();
  }

  const xir::Subgraph* subgraph_;
  std::string sg_name_;
  FixGraph graph_;
  std::set<int> produced_;
  ParamMap params_;
  const xir::Subgraph* params_owner_ = nullptr;
  bool params_loaded_ = false;
  using StringMap = std::map<std::string, std::string>;
  StringMap context_types_;
  bool context_types_loaded_ = false;
  std::unordered_map<std::string, int> tensor_ids_;
};

}  // namespace

Result<uint64_t> TensorBudgetBytes() {
  const char* text = std::getenv(kTensorBudgetEnv);
  if (text == nullptr || text[0] == '\0') return kDefaultTensorBudgetBytes;
  char* end = nullptr;
  errno = 0;
  const unsigned long long mib = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || mib < 1 || mib > (1u << 20))
    return InvalidArgument(std::string(kTensorBudgetEnv) + "='" + text + "': expected MiB in [1, 1048576]");
  return static_cast<uint64_t>(mib) << 20;
}

Result<FixGraph> ReadDpuSubgraph(const xir::Subgraph* subgraph) {
  if (subgraph == nullptr) return InvalidArgument("ReadDpuSubgraph: null subgraph");
  try {
    return Reader(subgraph).Read();
  } catch (const std::exception& e) {
    return Internal("subgraph " + subgraph->get_name() + ": XIR error while reading: " + e.what());
  }
}

}  // namespace signdpu::xmodel
