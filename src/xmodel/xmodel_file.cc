// Safe xmodel loading: validate first, then hand the bytes to XIR.
// See include/signdpu/xmodel/xmodel_file.h for the rationale.
#include "signdpu/xmodel/xmodel_file.h"

#include <glog/logging.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>
#include <google/protobuf/stubs/logging.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <xir/graph/graph.hpp>
#include <xir/graph/subgraph.hpp>

#include "child_probe.h"
#include "signdpu/core/file_io.h"
#include "signdpu/core/json_text.h"
#include "signdpu/xmodel/xir_attr.h"
#include "signdpu/xmodel/xir_names.h"

namespace signdpu::xmodel {

namespace {

namespace pb = google::protobuf;

// Checks a parsed serial_v2.Graph through protobuf reflection. Field names
// are those of XIR 2.5's graph_proto_v2.proto (printed by the descriptor at
// run time; docs/xmodel.md lists them).
class GraphChecker {
 public:
  explicit GraphChecker(std::string what) : what_(std::move(what)) {}

  Status Check(const pb::Message& graph) {
    SIGNDPU_RETURN_IF_ERROR(CollectOpDefs(graph));
    SIGNDPU_RETURN_IF_ERROR(CheckAttrMap(graph, "graph_attr", "graph"));
    const int op_count = Count(graph, "op_node");
    if (op_count == 0) return Bad("contains no ops (not an xmodel?)");
    // Before XIR sees the graph: its loader and passes do work quadratic in
    // the op count (issue 14: a few thousand ops took minutes).
    if (op_count > kMaxXmodelOps)
      return OutOfRange(what_ + ": " + std::to_string(op_count) + " ops, more than the " +
                        std::to_string(kMaxXmodelOps) + " an xmodel may have");
    if (Count(graph, "op_defs") > kMaxXmodelOps)
      return OutOfRange(what_ + ": more than " + std::to_string(kMaxXmodelOps) + " op definitions");
    std::set<std::string> tensor_names;
    for (int i = 0; i < op_count; ++i) {
      const pb::Message& op = Item(graph, "op_node", i);
      const std::string name = Str(op, "op_name");
      const std::string type = Str(op, "op_type");
      if (name.empty()) return Bad("op #" + std::to_string(i) + " has no name");
      const std::string where = "op " + name;
      if (ops_.count(name)) return Bad("duplicate op name " + name);
      if (type.empty()) return Bad(where + " has no type");
      SIGNDPU_RETURN_IF_ERROR(CheckAttrMap(op, "op_attr", where));
      SIGNDPU_RETURN_IF_ERROR(CheckArgs(op, type, where));
      SIGNDPU_RETURN_IF_ERROR(CheckAgainstOpDef(op, type, where));
      if (!Has(op, "output_tensor")) return Bad(where + " has no output tensor");
      const pb::Message& tensor = Sub(op, "output_tensor");
      const std::string tensor_name = Str(tensor, "tensor_name");
      if (tensor_name.empty()) return Bad(where + ": output tensor has no name");
      if (!tensor_names.insert(tensor_name).second) return Bad("duplicate tensor name " + tensor_name);
      SIGNDPU_RETURN_IF_ERROR(CheckTensor(tensor, "tensor " + tensor_name));
      ops_.insert(name);
    }
    if (Has(graph, "subg_root")) {
      std::set<std::string> root_ops;
      SIGNDPU_RETURN_IF_ERROR(CheckSubgraph(Sub(graph, "subg_root"), 0, &root_ops));
      if (!root_ops.empty() && root_ops != ops_)
        return Bad("the subgraph tree covers " + std::to_string(root_ops.size()) + " of " +
                   std::to_string(ops_.size()) + " ops");
    }
    return Status::Ok();
  }

 private:
  Status Bad(const std::string& message) const { return InvalidArgument(what_ + ": " + message); }

  // ---- reflection shorthands (a missing field means the schema changed) ----
  static const pb::FieldDescriptor* Field(const pb::Message& m, const char* name) {
    const pb::FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(name);
    SIGNDPU_CHECK(f != nullptr) << "serial_v2 schema has no field " << name << " in "
                                << m.GetDescriptor()->full_name();
    return f;
  }
  static int Count(const pb::Message& m, const char* name) {
    return m.GetReflection()->FieldSize(m, Field(m, name));
  }
  static const pb::Message& Item(const pb::Message& m, const char* name, int i) {
    return m.GetReflection()->GetRepeatedMessage(m, Field(m, name), i);
  }
  static std::string Str(const pb::Message& m, const char* name) {
    return m.GetReflection()->GetString(m, Field(m, name));
  }
  static std::string StrItem(const pb::Message& m, const char* name, int i) {
    return m.GetReflection()->GetRepeatedString(m, Field(m, name), i);
  }
  static bool Has(const pb::Message& m, const char* name) { return m.GetReflection()->HasField(m, Field(m, name)); }
  static const pb::Message& Sub(const pb::Message& m, const char* name) {
    return m.GetReflection()->GetMessage(m, Field(m, name));
  }
  static int Int(const pb::Message& m, const char* name) {
    const pb::FieldDescriptor* f = Field(m, name);
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_ENUM) return m.GetReflection()->GetEnumValue(m, f);
    return m.GetReflection()->GetInt32(m, f);
  }
  // The set field of an AttrValue's oneof, or nullptr.
  static const pb::FieldDescriptor* ValueCase(const pb::Message& attr_value) {
    const pb::OneofDescriptor* oneof = attr_value.GetDescriptor()->FindOneofByName("value");
    if (oneof == nullptr) return nullptr;
    return attr_value.GetReflection()->GetOneofFieldDescriptor(attr_value, oneof);
  }

  // XIR rebuilds every stored op definition while loading and aborts on a
  // definition it cannot rebuild (e.g. an attribute without a typed default).
  Status CollectOpDefs(const pb::Message& graph) {
    const int n = Count(graph, "op_defs");
    for (int i = 0; i < n; ++i) {
      const pb::Message& def = Item(graph, "op_defs", i);
      const std::string name = Str(def, "name");
      const std::string where = "op definition " + (name.empty() ? "#" + std::to_string(i) : name);
      if (name.empty()) return Bad(where + " has no name");
      if (op_defs_.count(name)) return Bad(where + " is given twice");
      for (int j = 0; j < Count(def, "input_args"); ++j) {
        const pb::Message& arg = Item(def, "input_args", j);
        if (Str(arg, "name").empty()) return Bad(where + ": an argument has no name");
        const int occur = Int(arg, "occur_type");
        if (occur < 0 || occur > 3) return Bad(where + ": argument occurrence " + std::to_string(occur));
        const int data_type = Int(arg, "data_type");
        if (data_type < 0 || data_type > 5) return Bad(where + ": argument data type " + std::to_string(data_type));
      }
      for (int j = 0; j < Count(def, "attrs"); ++j) {
        const pb::Message& attr = Item(def, "attrs", j);
        const std::string attr_name = Str(attr, "name");
        if (attr_name.empty()) return Bad(where + ": an attribute has no name");
        const int occur = Int(attr, "occur_type");
        if (occur < 0 || occur > 1) return Bad(where + ": attribute occurrence " + std::to_string(occur));
        if (!Has(attr, "default_value") || ValueCase(Sub(attr, "default_value")) == nullptr)
          return Bad(where + ": attribute '" + attr_name + "' has no typed default value");
        if (Int(attr, "list_length") < 0) return Bad(where + ": attribute '" + attr_name + "' has a negative length");
      }
      op_defs_[name] = &def;
    }
    return Status::Ok();
  }

  // map<string, AttrValue>: every entry needs a key and a value of some type.
  // XIR interprets two attributes while loading: `data_type` (parsed into an
  // xir::DataType, abort on a bad name) and `shape` (dims >= -1).
  Status CheckAttrMap(const pb::Message& m, const char* field, const std::string& where) const {
    const int n = Count(m, field);
    for (int i = 0; i < n; ++i) {
      const pb::Message& entry = Item(m, field, i);
      const std::string key = Str(entry, "key");
      if (key.empty()) return Bad(where + ": attribute with an empty name");
      if (!Has(entry, "value")) return Bad(where + ": attribute '" + key + "' has no value");
      const pb::Message& value = Sub(entry, "value");
      const pb::FieldDescriptor* type = ValueCase(value);
      if (type == nullptr) return Bad(where + ": attribute '" + key + "' has no value");
      if (key == "data_type" && type->name() == "string_value") {
        const std::string name = value.GetReflection()->GetString(value, type);
        if (!IsXirDataTypeName(name)) return Bad(where + ": data_type '" + name + "' is not an XIR data type");
      }
      if (key == "shape" && type->name() == "int32_vec_value") {
        const pb::Message& vec = value.GetReflection()->GetMessage(value, type);
        const pb::FieldDescriptor* values = Field(vec, "value");
        for (int j = 0; j < vec.GetReflection()->FieldSize(vec, values); ++j)
          if (vec.GetReflection()->GetRepeatedInt32(vec, values, j) < -1)
            return Bad(where + ": shape has a negative dimension");
      }
    }
    return Status::Ok();
  }

  // XIR data type names: [X][U]INT<bits> or FLOAT<bits>, any case.
  static bool IsXirDataTypeName(const std::string& name) {
    std::string upper;
    for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (const char* prefix : {"XUINT", "XINT", "UINT", "INT", "FLOAT"}) {
      const size_t len = std::strlen(prefix);
      if (upper.compare(0, len, prefix) != 0) continue;
      const std::string digits = upper.substr(len);
      if (digits.empty() || digits.size() > 2) return false;
      for (char c : digits)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
      const int bits = std::stoi(digits);
      return bits >= 1 && bits <= 64;
    }
    return false;
  }

  Status CheckArgs(const pb::Message& op, const std::string& type, const std::string& where) const {
    (void)type;
    const int n = Count(op, "args");
    std::set<std::string> arg_names;
    for (int i = 0; i < n; ++i) {
      const pb::Message& arg = Item(op, "args", i);
      const std::string arg_name = Str(arg, "arg_name");
      if (arg_name.empty()) return Bad(where + ": argument #" + std::to_string(i) + " has no name");
      if (!arg_names.insert(arg_name).second) return Bad(where + ": argument '" + arg_name + "' given twice");
      const int m = Count(arg, "arg_ops");
      for (int j = 0; j < m; ++j) {
        const std::string input = StrItem(arg, "arg_ops", j);
        // XIR writes ops in topological order and resolves inputs by name
        // while reading; an input that is not defined before its user is a
        // broken (or hand-edited) file.
        if (!ops_.count(input))
          return Bad(where + ": input '" + input + "' (argument '" + arg_name + "') is not defined before it");
      }
    }
    return Status::Ok();
  }

  // Against the op definitions stored in the same file (XIR serialises the
  // definitions of every op type it knows, built-in ones included).
  Status CheckAgainstOpDef(const pb::Message& op, const std::string& type, const std::string& where) const {
    auto it = op_defs_.find(type);
    if (it == op_defs_.end()) {
      // XIR serialises the definitions of all the op types it knows. For a
      // type it does not know it makes one that requires `shape` and
      // `data_type` and aborts when they are missing (custom CPU ops carry
      // them [checked: Mylayer in the compiled MNIST fixture]).
      if (op_defs_.empty()) return Status::Ok();
      bool has_shape = false, has_data_type = false;
      for (int i = 0; i < Count(op, "op_attr"); ++i) {
        const pb::Message& entry = Item(op, "op_attr", i);
        const pb::FieldDescriptor* value = ValueCase(Sub(entry, "value"));
        const std::string key = Str(entry, "key");
        if (key == "shape") has_shape = value != nullptr && value->name() == "int32_vec_value";
        if (key == "data_type") has_data_type = value != nullptr && value->name() == "string_value";
      }
      if (!has_shape || !has_data_type)
        return Bad(where + ": op type '" + type + "' is not defined in the file and the op lacks shape/data_type");
      return Status::Ok();
    }
    const pb::Message& def = *it->second;
    // attributes present?
    std::map<std::string, const pb::Message*> attrs;
    for (int i = 0; i < Count(op, "op_attr"); ++i) {
      const pb::Message& entry = Item(op, "op_attr", i);
      attrs[Str(entry, "key")] = &Sub(entry, "value");
    }
    for (int i = 0; i < Count(def, "attrs"); ++i) {
      const pb::Message& attr_def = Item(def, "attrs", i);
      const std::string name = Str(attr_def, "name");
      const bool required = Int(attr_def, "occur_type") == 0;  // AttrDef.REQUIRED
      auto a = attrs.find(name);
      if (a == attrs.end()) {
        if (required) return Bad(where + " (" + type + "): required attribute '" + name + "' is missing");
        continue;
      }
      if (Has(attr_def, "default_value")) {
        const pb::FieldDescriptor* expected = ValueCase(Sub(attr_def, "default_value"));
        const pb::FieldDescriptor* got = ValueCase(*a->second);
        if (expected != nullptr && got != nullptr && expected->number() != got->number())
          return Bad(where + " (" + type + "): attribute '" + name + "' is a " + got->name() + ", expected a " +
                     expected->name());
      }
    }
    // arguments: count per occurrence type, unknown names
    std::map<std::string, int> arg_counts;
    for (int i = 0; i < Count(op, "args"); ++i) {
      const pb::Message& arg = Item(op, "args", i);
      arg_counts[Str(arg, "arg_name")] = Count(arg, "arg_ops");
    }
    std::set<std::string> known;
    for (int i = 0; i < Count(def, "input_args"); ++i) {
      const pb::Message& arg_def = Item(def, "input_args", i);
      const std::string name = Str(arg_def, "name");
      known.insert(name);
      const int occur = Int(arg_def, "occur_type");  // REQUIRED, OPTIONAL, REPEATED, REQUIRED_AND_REPEATED
      const int count = arg_counts.count(name) ? arg_counts[name] : 0;
      const bool ok = (occur == 0 && count == 1) || (occur == 1 && count <= 1) || occur == 2 ||
                      (occur == 3 && count >= 1);
      if (!ok)
        return Bad(where + " (" + type + "): argument '" + name + "' has " + std::to_string(count) +
                   " inputs, which its definition does not allow");
    }
    for (const auto& [name, count] : arg_counts) {
      (void)count;
      if (!known.count(name)) return Bad(where + " (" + type + "): unknown argument '" + name + "'");
    }
    return Status::Ok();
  }

  Status CheckTensor(const pb::Message& tensor, const std::string& where) const {
    SIGNDPU_RETURN_IF_ERROR(CheckAttrMap(tensor, "tensor_attr", where));
    const int data_type = Int(tensor, "data_type");
    if (data_type < 0 || data_type > 5)  // xir::DataType::Type INT..UNKNOWN
      return Bad(where + ": data_type " + std::to_string(data_type) + " is not an XIR data type");
    const int bit_width = Int(tensor, "tensor_bit_width");
    if (bit_width < 1 || bit_width > 64) return Bad(where + ": bit width " + std::to_string(bit_width));
    const pb::FieldDescriptor* dims = Field(tensor, "tensor_dim");
    const int rank = tensor.GetReflection()->FieldSize(tensor, dims);
    if (rank > 8) return Bad(where + ": rank " + std::to_string(rank));
    int64_t elements = 1;
    for (int i = 0; i < rank; ++i) {
      const int64_t d = tensor.GetReflection()->GetRepeatedUInt32(tensor, dims, i);
      // Stored unsigned, used as int32 by XIR, which accepts >= 0 or -1.
      if (d > INT32_MAX && d != UINT32_MAX) return Bad(where + ": dimension " + std::to_string(d));
      elements *= std::max<int64_t>(d, 1);
      if (elements * bit_width / 8 > kMaxXmodelSizeBytes * 4)  // XIR sizes are int32
        return Bad(where + ": implausibly large shape");
    }
    return Status::Ok();
  }

  Status CheckSubgraph(const pb::Message& sg, int depth, std::set<std::string>* ops) const {
    const std::string name = Str(sg, "subgraph_name");
    const std::string where = "subgraph " + (name.empty() ? std::string("(unnamed)") : name);
    if (depth > 32) return Bad(where + ": subgraph tree deeper than 32 levels");
    SIGNDPU_RETURN_IF_ERROR(CheckAttrMap(sg, "subg_attr", where));
    std::set<std::string> own;
    for (int i = 0; i < Count(sg, "op_name"); ++i) {
      const std::string op = StrItem(sg, "op_name", i);
      if (!ops_.count(op)) return Bad(where + ": lists unknown op '" + op + "'");
      if (!own.insert(op).second) return Bad(where + ": lists op '" + op + "' twice");
    }
    const int children = Count(sg, "subg_child");
    if (children == 0) {
      *ops = std::move(own);
      return Status::Ok();
    }
    std::set<std::string> from_children;
    for (int i = 0; i < children; ++i) {
      std::set<std::string> child_ops;
      SIGNDPU_RETURN_IF_ERROR(CheckSubgraph(Item(sg, "subg_child", i), depth + 1, &child_ops));
      if (child_ops.empty()) return Bad(where + ": child #" + std::to_string(i) + " has no ops");
      for (const std::string& op : child_ops)
        if (!from_children.insert(op).second) return Bad(where + ": op '" + op + "' is in two children");
    }
    if (!own.empty() && own != from_children)
      return Bad(where + ": its op list differs from the union of its children's");
    *ops = std::move(from_children);
    return Status::Ok();
  }

  std::string what_;
  std::set<std::string> ops_;
  std::map<std::string, const pb::Message*> op_defs_;
};

}  // namespace

Status ValidateXmodelBytes(const std::string& bytes, const std::string& what) {
  if (bytes.empty()) return InvalidArgument(what + ": empty file");
  if (static_cast<int64_t>(bytes.size()) > kMaxXmodelSizeBytes)
    return InvalidArgument(what + ": " + std::to_string(bytes.size()) + " bytes, more than the " +
                           std::to_string(kMaxXmodelSizeBytes) + " an xmodel may have");
  // libxir registers its generated serial_v2 messages in protobuf's generated
  // pool when it is loaded (this file links libxir, so it is).
  const pb::Descriptor* descriptor = pb::DescriptorPool::generated_pool()->FindMessageTypeByName("serial_v2.Graph");
  if (descriptor == nullptr)
    return Internal(what + ": XIR's serial_v2.Graph schema is not registered (libxir version?)");
  pb::DynamicMessageFactory factory(pb::DescriptorPool::generated_pool());
  std::unique_ptr<pb::Message> graph(factory.GetPrototype(descriptor)->New());
  // Protobuf would log an ERROR line per invalid UTF-8 string; the Status
  // below is what callers see.
  bool parsed = false;
  {
    pb::LogSilencer silence;
    parsed = graph->ParseFromString(bytes);
  }
  if (!parsed)
    return InvalidArgument(what + ": not an xmodel (XIR graph protobuf does not parse: truncated or not an xmodel)");
  return GraphChecker(what).Check(*graph);
}

Result<std::unique_ptr<xir::Graph>> LoadXmodelFromBytes(const std::string& bytes, const std::string& what,
                                                        const LoadOptions& options) {
  SIGNDPU_RETURN_IF_ERROR(ValidateXmodelBytes(bytes, what));
  const char* env = std::getenv("SIGNDPU_XMODEL_PROBE");
  const bool probe = options.probe_in_child_process && !(env != nullptr && std::strcmp(env, "0") == 0);
  if (probe) SIGNDPU_RETURN_IF_ERROR(internal::ProbeDeserializeInChild(bytes, what, options.probe_timeout_ms));
  std::unique_ptr<xir::Graph> graph;
  try {
    graph = xir::Graph::deserialize_from_string(bytes);
  } catch (const std::exception& e) {
    return Internal(what + ": XIR could not read the graph: " + e.what());
  } catch (...) {
    return Internal(what + ": XIR could not read the graph (unknown exception)");
  }
  if (graph == nullptr) return Internal(what + ": XIR returned no graph");
  return graph;
}

Result<std::unique_ptr<xir::Graph>> LoadXmodel(const std::string& path, const LoadOptions& options) {
  // Regular files of at most kMaxXmodelSizeBytes only: a FIFO, a device or a
  // symlink to one is refused before a byte is read.
  SIGNDPU_ASSIGN_OR_RETURN(std::string bytes,
                           ReadRegularFile(path, static_cast<uint64_t>(kMaxXmodelSizeBytes), "xmodel"));
  if (bytes.empty()) return InvalidArgument(path + ": empty file");
  return LoadXmodelFromBytes(bytes, path, options);
}

std::string SubgraphDevice(const xir::Subgraph* subgraph) {
  if (subgraph == nullptr) return "";
  auto device = xmodel::GetAttr<std::string>(subgraph, names::kDevice, "");
  return device.ok() ? *device : std::string();
}

std::vector<const xir::Subgraph*> DpuSubgraphs(const xir::Graph& graph) {
  std::vector<const xir::Subgraph*> result;
  const xir::Subgraph* root = graph.get_root_subgraph();
  if (root == nullptr || root->is_leaf()) return result;
  for (const xir::Subgraph* child : root->children_topological_sort())
    if (SubgraphDevice(child) == names::kDeviceDpu) result.push_back(child);
  return result;
}

namespace {

// The programs' log settings (docs/deployment.md "Logs"), unless the
// environment sets glog levels (GLOG_minloglevel, GLOG_stderrthreshold,
// GLOG_v, GLOG_vmodule, GLOG_alsologtostderr): INFO is dropped, nothing is
// written to log files under /tmp, a WARNING (VART's, XIR's, the plugin's)
// becomes one line "<program>: warning: <message> [<file>:<line>]" on
// stderr, ERROR and FATAL stay glog's lines on stderr (the child probes quote
// them; FATAL aborts).

// GLOG_minloglevel, GLOG_stderrthreshold, GLOG_v, GLOG_vmodule,
// GLOG_alsologtostderr: the user chose what to see; glog decides alone.
bool GlogLevelsFromEnvironment() {
  for (const char* v : {"GLOG_minloglevel", "GLOG_stderrthreshold", "GLOG_v", "GLOG_vmodule", "GLOG_alsologtostderr"})
    if (std::getenv(v) != nullptr) return true;
  return false;
}

// A WARNING from VART, XIR or our plugin as one line of ours:
// "signdpu: warning: <message> [<file>:<line>]" (control characters escaped).
class WarningLineSink final : public google::LogSink {
 public:
  explicit WarningLineSink(std::string program) : program_(std::move(program)) {}
  void send(google::LogSeverity severity, const char* /*full_filename*/, const char* base_filename, int line,
            const google::LogMessageTime& /*time*/, const char* message, size_t message_len) override {
    if (severity != google::GLOG_WARNING) return;
    const std::string text = PrintableText(std::string_view(message, message_len));
    std::fprintf(stderr, "%s: warning: %s [%s:%d]\n", program_.c_str(), text.c_str(), base_filename, line);
  }

 private:
  std::string program_;
};

// The programs' glog settings unless the environment sets levels (see
// xmodel_file.h): INFO dropped, no log files, WARNING as our own line,
// ERROR and FATAL as glog prints them on stderr (the child probes quote
// them; FATAL ends the process). GLOG_logtostderr=1 alone (the systemd
// unit) changes nothing here: every line reaches stderr, the journal.
void UseOurWarningLines(const std::string& program) {
  FLAGS_minloglevel = google::GLOG_WARNING;
  FLAGS_logtostderr = false;
  FLAGS_stderrthreshold = google::GLOG_ERROR;
  for (google::LogSeverity s : {google::GLOG_INFO, google::GLOG_WARNING, google::GLOG_ERROR, google::GLOG_FATAL})
    google::SetLogDestination(s, "");
  static WarningLineSink sink(std::filesystem::path(program).filename().string());
  google::AddLogSink(&sink);
}

}  // namespace

void InitGoogleLoggingOnce(const char* program_name) {
  static std::once_flag once;
  static std::string name;  // glog keeps the pointer
  std::call_once(once, [&] {
    if (google::IsGoogleLoggingInitialized()) return;
    name = program_name != nullptr ? program_name : "signdpu";
    google::InitGoogleLogging(name.c_str());
    if (!GlogLevelsFromEnvironment()) UseOurWarningLines(name);
  });
}

}  // namespace signdpu::xmodel
