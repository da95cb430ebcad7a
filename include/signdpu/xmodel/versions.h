// `--version` of every program: the project version, `git describe` of the
// source tree when it was configured (if it was a git checkout), and the
// versions of the Xilinx libraries loaded at run time.
#pragma once

#include <string>

namespace signdpu::xmodel {

// Several lines, each ending in '\n':
//   <program> 0.1.0 (git v0.1-42-gabcdef0)
//   VART 2.5.0 (libvart-runner.so.2), XIR 2.5.0, target-factory 2.5.0
// Where the versions come from (Vitis AI v2.5 sources):
// - XIR: xir::get_lib_name(), "xir.<PROJECT_VERSION>"
//   [source: xir/include/xir/util/tool_function.hpp:55,
//    xir/src/xir/util/tool_function.cpp:65-68];
// - target-factory: vitis::ai::TargetFactory::get_lib_name(), same form
//   [source: target_factory/include/vitis/ai/target_factory.hpp:51];
// - VART: no header declares a version function; every libvart library
//   exports the C function xilinx_version() generated from
//   vart/cmake/vitis_version.c.in:23 ("Xilinx vart-runner Version:
//   <PROJECT_VERSION>-<git> ..."), looked up with dlsym in
//   libvart-runner.so.2. "unknown" when a library does not say.
std::string VersionText(const std::string& program);

}  // namespace signdpu::xmodel
