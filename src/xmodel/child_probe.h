// The XIR deserialisation probe: XIR aborts the process (glog FATAL) on
// many malformed files, so the bytes are first loaded in a child process
// through the one child-process helper, include/signdpu/core/child_process.h
// (RunInChild, also used by the app's DPU runner probe and the media
// module's --display and --video pipeline probes).
#pragma once

#include <string>

#include "signdpu/core/child_process.h"
#include "signdpu/core/status.h"

namespace signdpu::xmodel::internal {

// OK when the child deserialised the bytes and exited normally. Otherwise
// InvalidArgument naming `what` and quoting XIR's FATAL line. If the probe
// cannot run (fork fails), returns OK after a LOG(WARNING): the schema checks
// already passed.
Status ProbeDeserializeInChild(const std::string& bytes, const std::string& what, int timeout_ms);

}  // namespace signdpu::xmodel::internal
