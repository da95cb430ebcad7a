// Safe loading of .xmodel files (XIR's serialized graphs).
//
// xir::Graph::deserialize aborts the process (glog FATAL, SIGABRT) on a
// truncated file, random bytes or a text file (XIR aborts with XIR_READ_PB_FAILURE instead of throwing).
// LoadXmodel therefore validates the bytes first: size, a typed protobuf parse
// against XIR's own message schema (serial_v2.Graph, found in the descriptor
// pool that libxir registers; protobuf parsing reports errors, it never
// aborts) and the structural invariants XIR's loader CHECKs (unique op and
// tensor names, every argument op defined earlier, attribute values set and of
// the type the op definition declares, required attributes and arguments
// present, a consistent subgraph tree). Only then is the graph handed to XIR,
// then (by default) XIR reads them once in a forked child process, which
// catches the aborts no static check can foresee, and any exception XIR
// throws is caught here.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "signdpu/core/status.h"

namespace xir {
class Graph;
class Subgraph;
}  // namespace xir

namespace signdpu::xmodel {

// protobuf's own hard limit for one message is 2 GiB; real xmodels for this
// board are well under 100 MB.
constexpr int64_t kMaxXmodelSizeBytes = int64_t{1} << 30;
// Limit (a contract, docs/testing.md "Limits"): at most this many ops per
// xmodel, checked on the protobuf before XIR reads it (XIR's loader and its
// graph passes are quadratic in the op count). The compiled fixtures have at
// most a few hundred.
constexpr int kMaxXmodelOps = 4096;

// Validates serialized xmodel bytes; `what` names the source in messages
// (usually the file path). OK means XIR's deserializer can read them without
// aborting as far as this check knows (see the header comment).
Status ValidateXmodelBytes(const std::string& bytes, const std::string& what);

struct LoadOptions {
  // After the schema checks, deserialize once in a forked child process: XIR
  // also aborts on things only its own code knows (shape inference of
  // built-in ops on corrupted attributes, found by fuzzing), and a dead child
  // is a Status here instead of a dead application. Costs one fork and a
  // second parse (milliseconds for models of this size). The environment
  // variable SIGNDPU_XMODEL_PROBE=0 turns it off too.
  bool probe_in_child_process = true;
  int probe_timeout_ms = 60000;
};

// Reads, validates and deserializes `path`. Never aborts on bad input: every
// problem is a Status whose message starts with the path.
Result<std::unique_ptr<xir::Graph>> LoadXmodel(const std::string& path, const LoadOptions& options = LoadOptions());

// Same for bytes already in memory (e.g. received over a socket).
Result<std::unique_ptr<xir::Graph>> LoadXmodelFromBytes(const std::string& bytes, const std::string& what,
                                                        const LoadOptions& options = LoadOptions());

// The children of the root subgraph whose string attribute "device" is
// "DPU", in XIR's topological order of the children. Empty when the graph has
// no compiled subgraph tree or no DPU subgraph.
std::vector<const xir::Subgraph*> DpuSubgraphs(const xir::Graph& graph);

// Value of a subgraph's string attribute "device" ("" if absent or not a string).
std::string SubgraphDevice(const xir::Subgraph* subgraph);

// google::InitGoogleLogging exactly once per process (XIR and VART log
// through glog; a second call aborts). Safe to call from several threads.
void InitGoogleLoggingOnce(const char* program_name);

}  // namespace signdpu::xmodel
