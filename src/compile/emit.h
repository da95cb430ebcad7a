// Writing a compile plan into a CompiledXmodelBuilder (src/compile/emit.cc).
#pragma once

#include "plan.h"
#include "signdpu/xmodel/compiled_xmodel_builder.h"

namespace signdpu::compile::internal {

Status Emit(const Plan& plan, xmodel::CompiledXmodelBuilder* builder);

}  // namespace signdpu::compile::internal
