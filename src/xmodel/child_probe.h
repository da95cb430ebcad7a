// Runs xir::Graph::deserialize_from_string in a forked child first, so that
// an abort inside XIR (glog FATAL / CHECK on something our schema checks do
// not cover, e.g. shape inference on corrupted attributes) kills the child,
// not the caller (platform-notes.md trap 4 suggests exactly this).
#pragma once

#include <string>

#include "signdpu/core/status.h"

namespace signdpu::xmodel::internal {

// OK when the child deserialised the bytes and exited normally. Otherwise
// InvalidArgument naming `what` and quoting XIR's FATAL line. If the probe
// cannot run (fork fails), returns OK after a LOG(WARNING): the schema checks
// already passed.
Status ProbeDeserializeInChild(const std::string& bytes, const std::string& what, int timeout_ms);

}  // namespace signdpu::xmodel::internal
