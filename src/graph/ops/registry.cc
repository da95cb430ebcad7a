// The explicit list of float ops (see op_registry.h). Adding an ONNX op: one
// new file in this folder defining its OpDef, one line here and in
// op_util.h, its source in src/graph/CMakeLists.txt, and its test.
#include "signdpu/graph/op_registry.h"

#include "op_util.h"

namespace signdpu::graph {

const std::vector<const OpDef*>& OnnxOps() {
  // The order is the one of the importer's "supported:" message.
  static const std::vector<const OpDef*> kOps = {
      &ops::ConvOp(),          &ops::ReluOp(),         &ops::LeakyReluOp(),
      &ops::ClipOp(),          &ops::BatchNormalizationOp(), &ops::MaxPoolOp(),
      &ops::AveragePoolOp(),   &ops::GlobalAveragePoolOp(),  &ops::GemmOp(),
      &ops::MatMulOp(),        &ops::AddOp(),          &ops::FlattenOp(),
      &ops::ReshapeOp(),       &ops::TransposeOp(),    &ops::SoftmaxOp(),
      &ops::DropoutOp(),       &ops::IdentityOp(),     &ops::ConstantOp(),
      &ops::MulOp(),           &ops::ConcatOp(),       &ops::PadOp(),
      &ops::ConvTransposeOp(), &ops::ResizeOp(), &ops::UpsampleOp(), &ops::DepthToSpaceOp(),
  };
  return kOps;
}

const OpDef* FindOnnxOp(const std::string& onnx_type) {
  for (const OpDef* def : OnnxOps()) {
    if (onnx_type == def->onnx_type) return def;
  }
  return nullptr;
}

const OpDef* FindOpDef(OpType type) {
  for (const OpDef* def : OnnxOps()) {
    for (OpType t : def->types) {
      if (t == type) return def;
    }
  }
  return nullptr;
}

std::string SupportedOnnxOpList() {
  std::string list;
  for (const OpDef* def : OnnxOps()) list += (list.empty() ? "" : ", ") + std::string(def->onnx_type);
  return list;
}

const std::vector<OpType>& AllOpTypes() {
  static const std::vector<OpType> kTypes = {
      OpType::kConv,    OpType::kRelu,        OpType::kRelu6,   OpType::kClip,
      OpType::kLeakyRelu, OpType::kBatchNorm, OpType::kMaxPool, OpType::kAveragePool,
      OpType::kGlobalAveragePool, OpType::kGemm, OpType::kMatMul, OpType::kAdd,
      OpType::kFlatten, OpType::kReshape,     OpType::kTranspose, OpType::kSoftmax,
      OpType::kMul,     OpType::kConcat,      OpType::kPad,
      OpType::kConvTranspose, OpType::kResize, OpType::kDepthToSpace, OpType::kUpsample,
  };
  return kTypes;
}

}  // namespace signdpu::graph
