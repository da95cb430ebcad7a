// Writes a compile plan as a compiled-style xmodel (docs/compile.md
// "Output"): USER inputs, one DPU subgraph per component, CPU subgraphs of
// the copied ops, with fix2float / float2fix at every DPU boundary, named as
// vai_c_xir 2.5 names them [checked on the PointPillars pair].
#include <functional>
#include <set>

#include "emit.h"
#include "signdpu/xmodel/compiled_xmodel_builder.h"
#include "signdpu/xmodel/xir_attr.h"
#include "signdpu/xmodel/xir_names.h"

namespace signdpu::compile::internal {

namespace names = xmodel::names;

namespace {

// A unit of emission: one USER data op, one DPU part, or one CPU op.
struct Unit {
  int part = -1;                   // DPU part, or
  const xir::Op* op = nullptr;     // the USER / CPU op
};

class Emitter {
 public:
  Emitter(const Plan& plan, xmodel::CompiledXmodelBuilder* b) : plan_(plan), b_(b) {}
  Status Run();

 private:
  Result<std::vector<Unit>> SortedUnits() const;
  int UnitOf(const xir::Op* op) const;
  const xir::Op* Key(const xir::Op* op) const {
    const xir::Op* owner = DpuOwner(plan_, op);
    return owner ? owner : op;
  }
  std::string Unique(const std::string& base) const {
    std::string name = base;
    for (int i = 1; b_->HasName(name); ++i) name = base + "_" + std::to_string(i);
    return name;
  }
  Result<int> FixPointOfValue(const xir::Op* key) const;
  Result<xir::Op*> Int8Of(const xir::Op* op);
  Result<xir::Op*> FloatOf(const xir::Op* op, const std::string& consumer);
  Status EmitUser(const xir::Op* op);
  Status EmitDpu(int part);
  Status EmitCpu(const xir::Op* op);

  const Plan& plan_;
  xmodel::CompiledXmodelBuilder* b_;
  std::map<const xir::Op*, int> unit_of_;
  std::vector<Unit> units_;
  std::map<const xir::Op*, xir::Op*> int8_, float_;
};

int Emitter::UnitOf(const xir::Op* op) const {
  const xir::Op* key = op;
  const OpInfo& info = plan_.info.at(op);
  if (info.role == Role::kUser && op->get_type() == names::kFix) key = InputOps(op, names::kArgInput)[0];
  auto it = unit_of_.find(Key(key));
  return it == unit_of_.end() ? -1 : it->second;
}

Result<std::vector<Unit>> Emitter::SortedUnits() const {
  std::vector<std::set<int>> deps(units_.size());
  for (size_t u = 0; u < units_.size(); ++u) {
    std::vector<const xir::Op*> ins;
    if (units_[u].part >= 0) {
      ins = plan_.part_inputs[static_cast<size_t>(units_[u].part)];
    } else {
      ins = AllInputOps(units_[u].op);
    }
    for (const xir::Op* in : ins)
      if (int d = UnitOf(in); d >= 0 && d != static_cast<int>(u)) deps[u].insert(d);
  }
  std::vector<Unit> sorted;
  std::vector<int> state(units_.size(), 0);
  std::function<bool(int)> visit = [&](int u) {
    if (state[u] == 2) return true;
    if (state[u] == 1) return false;  // a cycle
    state[u] = 1;
    for (int d : deps[u])
      if (!visit(d)) return false;
    state[u] = 2;
    sorted.push_back(units_[u]);
    return true;
  };
  for (size_t u = 0; u < units_.size(); ++u)
    if (!visit(static_cast<int>(u)))
      return Unsupported(plan_.model + ": the DPU/CPU partition is cyclic (a DPU subgraph both feeds and reads "
                                       "a CPU op); not supported");
  return sorted;
}

Result<int> Emitter::FixPointOfValue(const xir::Op* key) const {
  if (const xir::Op* owner = DpuOwner(plan_, key)) {
    const OpInfo& info = plan_.info.at(owner);
    return plan_.model_out.dpu[static_cast<size_t>(info.part)].graph.tensors[static_cast<size_t>(info.tensor)].fix_point;
  }
  return UpstreamFixPoint(plan_, key);
}

// The int8 version of a value outside the DPU: data-fix, download or a new float2fix.
Result<xir::Op*> Emitter::Int8Of(const xir::Op* op) {
  const xir::Op* key = Key(op);
  if (auto it = int8_.find(key); it != int8_.end()) return it->second;
  SIGNDPU_ASSIGN_OR_RETURN(xir::Op* f, FloatOf(op, ""));
  SIGNDPU_ASSIGN_OR_RETURN(int fp, FixPointOfValue(key));
  SIGNDPU_ASSIGN_OR_RETURN(xir::Op* q, b_->AddFloat2Fix(Unique(op->get_name() + "_fix"), f, fp));
  int8_[key] = q;
  return q;
}

// The float version for a CPU consumer: the value itself, or a fix2float
// "<value>_<consumer>" of its int8 version (vai_c_xir's name).
Result<xir::Op*> Emitter::FloatOf(const xir::Op* op, const std::string& consumer) {
  const xir::Op* key = Key(op);
  if (auto it = float_.find(key); it != float_.end()) return it->second;
  auto it = int8_.find(key);
  if (it == int8_.end()) return Internal(Where(op) + ": used before it is computed");
  SIGNDPU_ASSIGN_OR_RETURN(int fp, FixPointOfValue(key));
  return b_->AddFix2Float(Unique(op->get_name() + "_" + consumer), it->second, fp);
}

Status Emitter::EmitUser(const xir::Op* data) {
  const auto shape = data->get_output_tensor()->get_shape();
  const Shape s(shape.begin(), shape.end());
  const auto cons = Consumers(data);
  if (cons.size() == 1 && plan_.info.at(cons[0]).role == Role::kUser) {
    const xir::Op* fix = cons[0];
    SIGNDPU_ASSIGN_OR_RETURN(int fp, xmodel::GetAttr<int>(fix, names::kFixPoint, Where(fix)));
    SIGNDPU_ASSIGN_OR_RETURN(int8_[fix], b_->AddDataFix(data->get_name(), s, fp, fix->get_name()));
    return Status::Ok();
  }
  SIGNDPU_ASSIGN_OR_RETURN(float_[data], b_->AddFloatData(data->get_name(), s));
  return Status::Ok();
}

Status Emitter::EmitDpu(int part) {
  std::vector<xir::Op*> inputs;
  for (const xir::Op* in : plan_.part_inputs[static_cast<size_t>(part)]) {
    SIGNDPU_ASSIGN_OR_RETURN(xir::Op* q, Int8Of(in));
    inputs.push_back(q);
  }
  const FixGraph& g = plan_.model_out.dpu[static_cast<size_t>(part)].graph;
  SIGNDPU_ASSIGN_OR_RETURN(auto downloads, b_->AddDpuSubgraph(g, inputs));
  const auto& outs = plan_.part_outputs[static_cast<size_t>(part)];
  for (size_t j = 0; j < outs.size(); ++j) {
    int8_[outs[j]] = downloads[j];
    const OpInfo& info = plan_.info.at(outs[j]);
    const xir::Op* reader = info.inserted_fix ? info.tail : info.out_fix;
    if (!Consumers(reader).empty()) continue;
    // A model output: fix2float "<fix>_" [checked].
    SIGNDPU_RETURN_IF_ERROR(FloatOf(reader, "").status());
  }
  return Status::Ok();
}

Status Emitter::EmitCpu(const xir::Op* op) {
  std::map<std::string, std::vector<xir::Op*>> inputs;
  for (const auto& [arg, ins] : op->get_input_ops())
    for (const xir::Op* in : ins) {
      SIGNDPU_ASSIGN_OR_RETURN(xir::Op* f, FloatOf(in, op->get_name()));
      inputs[arg].push_back(f);
    }
  SIGNDPU_ASSIGN_OR_RETURN(float_[op], b_->CopyCpuOp(op, inputs));
  return Status::Ok();
}

Status Emitter::Run() {
  for (int p = 0; p < plan_.parts; ++p) units_.push_back({p, nullptr});
  for (const xir::Op* op : plan_.order) {
    const OpInfo& info = plan_.info.at(op);
    if ((info.role == Role::kUser && op->get_type() == names::kData) || info.role == Role::kCpu)
      units_.push_back({-1, op});
  }
  for (size_t u = 0; u < units_.size(); ++u) {
    if (units_[u].part >= 0) {
      for (const auto& [op, info] : plan_.info)
        if (info.role == Role::kDpu && info.part == units_[u].part) unit_of_[op] = static_cast<int>(u);
    } else {
      unit_of_[units_[u].op] = static_cast<int>(u);
    }
  }
  SIGNDPU_ASSIGN_OR_RETURN(auto sorted, SortedUnits());
  for (const Unit& u : sorted) {
    if (u.part >= 0) {
      SIGNDPU_RETURN_IF_ERROR(EmitDpu(u.part));
    } else if (plan_.info.at(u.op).role == Role::kUser) {
      SIGNDPU_RETURN_IF_ERROR(EmitUser(u.op));
    } else {
      SIGNDPU_RETURN_IF_ERROR(EmitCpu(u.op));
    }
  }
  return Status::Ok();
}

}  // namespace

Status Emit(const Plan& plan, xmodel::CompiledXmodelBuilder* builder) {
  try {
    return Emitter(plan, builder).Run();
  } catch (const std::exception& e) {
    return Internal(plan.model + ": XIR rejected an op while writing: " + e.what());
  }
}

}  // namespace signdpu::compile::internal
