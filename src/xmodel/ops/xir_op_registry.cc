#include "xir_op_io.h"

namespace signdpu::xmodel::internal {

// Adding an op: write ops/<op>_xir.cc defining its XirOpIo, declare its
// getter in xir_op_io.h and list it here (docs/architecture.md).
const std::vector<const XirOpIo*>& AllXirOpIos() {
  static const std::vector<const XirOpIo*> ios = {
      &Conv2dFixXir(), &DepthwiseConv2dFixXir(), &PoolFixXir(),  &EltwiseFixXir(),
      &CopyFixXir(),   &HardSigmoidFixXir(),     &ConcatFixXir(), &DepthwiseFixXir(),
      &UpsampleFixXir(), &DownsampleFixXir(),    &PadFixXir(),    &ReorgFixXir(),
      &TileFixXir(),   &PixelShuffleFixXir(),
      &TransposedConv2dFixXir(), &TransposedDepthwiseConv2dFixXir(),
  };
  return ios;
}

const XirOpIo* FindXirOpIo(FixOpKind kind) {
  for (const XirOpIo* io : AllXirOpIos())
    if (io->kind == kind) return io;
  return nullptr;
}

const XirOpIo* FindXirOpIoByType(const std::string& type) {
  for (const XirOpIo* io : AllXirOpIos())
    for (const std::string& t : io->types)
      if (t == type) return io;
  return nullptr;
}

}  // namespace signdpu::xmodel::internal
