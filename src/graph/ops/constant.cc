// ONNX Constant: becomes a graph constant at import. No graph op of its own.
#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph::ops {
namespace {

Status Import(ImportContext& ctx, Node* /*node*/) {
  const std::string& label = ctx.label;
  const std::string& context = ctx.context;
  const AttrReader& attrs = ctx.attrs;
  if (ctx.proto.output_size() != 1) return InvalidArgument(label + ": " + context + ": needs one output");
  Tensor t;
  if (const onnx::AttributeProto* a = attrs.Find("value")) {
    SIGNDPU_ASSIGN_OR_RETURN(t, ConvertTensor(a->t(), label + ": " + context + " value"));
  } else if (attrs.Has("value_float")) {
    SIGNDPU_ASSIGN_OR_RETURN(float v, attrs.Float("value_float", 0.0f));
    t.data = {v};
  } else if (attrs.Has("value_floats")) {
    SIGNDPU_ASSIGN_OR_RETURN(t.data, attrs.Floats("value_floats"));
    t.shape = {static_cast<int64_t>(t.data.size())};
  } else if (attrs.Has("value_int")) {
    SIGNDPU_ASSIGN_OR_RETURN(int64_t v, attrs.Int("value_int", 0));
    t.dtype = DataType::kInt64;
    t.data_i64 = {v};
  } else if (attrs.Has("value_ints")) {
    t.dtype = DataType::kInt64;
    SIGNDPU_ASSIGN_OR_RETURN(t.data_i64, attrs.Ints("value_ints", {}));
    t.shape = {static_cast<int64_t>(t.data_i64.size())};
  } else {
    return Unsupported(label + ": " + context + ": only value, value_float(s) and value_int(s) "
                       "are supported (not sparse_value or strings)");
  }
  t.name = ctx.proto.output(0);
  return ctx.graph.AddConstant(std::move(t));
}

}  // namespace

const OpDef& ConstantOp() {
  static const OpDef kDef{"Constant", OpDef::ImportKind::kConstant, {}, Import, nullptr, nullptr,
                          nullptr};
  return kDef;
}

}  // namespace signdpu::graph::ops
