// The C entry points libvart dlsym()s. Nothing may escape them: every
// failure is one LOG(ERROR) line and a nullptr.
#include <glog/logging.h>

#include <vart/runner.hpp>
#include <xir/graph/subgraph.hpp>

#include "signdpu/emu/emu_runner.h"

namespace {

vart::Runner* CreateForVart(const xir::Subgraph* subgraph, const xir::Attrs* attrs) {
  const std::string name = subgraph != nullptr ? subgraph->get_name() : std::string("(null)");
  try {
    auto options = signdpu::emu::ResolveOptions(attrs);
    if (!options.ok()) {
      LOG(ERROR) << "signdpu-emu: cannot create a runner for subgraph " << name << ": " << options.status().message();
      return nullptr;
    }
    auto runner = signdpu::emu::CreateRunner(subgraph, *options);
    if (!runner.ok()) {
      LOG(ERROR) << "signdpu-emu: cannot create a runner for subgraph " << name << ": " << runner.status().message();
      return nullptr;
    }
    return std::move(runner).value().release();
  } catch (const std::exception& e) {
    LOG(ERROR) << "signdpu-emu: cannot create a runner for subgraph " << name << ": " << e.what();
  } catch (...) {
    LOG(ERROR) << "signdpu-emu: cannot create a runner for subgraph " << name << ": unknown exception";
  }
  return nullptr;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) vart::Runner* create_runner(const xir::Subgraph* subgraph) {
  return CreateForVart(subgraph, nullptr);
}

extern "C" __attribute__((visibility("default"))) vart::Runner* create_runner_with_attrs(const xir::Subgraph* subgraph,
                                                                                        xir::Attrs* attrs) {
  return CreateForVart(subgraph, attrs);
}
