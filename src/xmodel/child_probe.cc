#include "child_probe.h"

#include <glog/logging.h>
#include <unistd.h>

#include <sstream>
#include <xir/graph/graph.hpp>

namespace signdpu::xmodel::internal {

namespace {
// The child's exit code when XIR returned no graph or threw.
constexpr int kProbeExitNotLoaded = 3;
}  // namespace

Status ProbeDeserializeInChild(const std::string& bytes, const std::string& what, int timeout_ms) {
  ChildOutcome r = RunInChild(
      [&bytes](int report_fd) {
        bool ok = false;
        try {
          ok = xir::Graph::deserialize_from_string(bytes) != nullptr;
        } catch (...) {
          ok = false;
        }
        if (ok) WriteChildOk(report_fd);
        ::_exit(ok ? 0 : kProbeExitNotLoaded);
      },
      timeout_ms);
  if (!r.started) {
    LOG(WARNING) << what << ": cannot run the XIR probe (" << r.error << "); loading without it";
    return Status::Ok();
  }
  if (r.success) return Status::Ok();
  if (r.timed_out)
    return InvalidArgument(what + ": XIR did not finish loading within " + std::to_string(timeout_ms) + " ms");
  // Only a glog FATAL/ERROR line is worth quoting here.
  std::string key;
  {
    std::istringstream in(r.log);
    std::string line;
    bool have_fatal = false;
    while (std::getline(in, line)) {
      if (IsGlogLine(line, 'F') && !have_fatal) key = line, have_fatal = true;
      else if (IsGlogLine(line, 'E') && !have_fatal) key = line;
    }
    if (!key.empty()) key = KeyLogLine(key);
  }
  return InvalidArgument(what + ": XIR cannot load this file (it would abort the process" +
                         (key.empty() ? std::string(")") : "): " + key));
}

}  // namespace signdpu::xmodel::internal
