#include "writer_common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "signdpu/xmodel/xmodel_file.h"
#include "signdpu/xmodel/xir_attr.h"
#include "signdpu/xmodel/xir_names.h"
#include "ops/xir_op_io.h"

namespace signdpu::xmodel {

namespace internal {

namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.';
}

bool SortedByName(const FixGraph& g, const std::vector<int>& ids) {
  for (size_t i = 1; i < ids.size(); ++i)
    if (!(g.tensors[ids[i - 1]].name < g.tensors[ids[i]].name)) return false;
  return true;
}

std::string NameList(const FixGraph& g, const std::vector<int>& ids) {
  std::string s;
  for (int id : ids) s += (s.empty() ? "" : ", ") + g.tensors[id].name;
  return s;
}

}  // namespace

Status ValidateForWriting(const FixGraph& g, const HostModelInfo& info) {
  const std::string& model = info.model_name;
  if (model.empty()) return InvalidArgument("model name is empty");
  for (char c : model)
    if (!IsNameChar(c)) return InvalidArgument("model name '" + model + "' may only use [A-Za-z0-9_.-]");
  SIGNDPU_RETURN_IF_ERROR(g.Validate().WithContext(model));
  if (g.inputs.empty()) return InvalidArgument(model + ": the graph has no inputs");
  if (g.outputs.empty()) return InvalidArgument(model + ": the graph has no outputs");
  if (g.ops.empty()) return InvalidArgument(model + ": the graph has no ops");
  std::set<std::string> tensor_names, op_names;
  for (const FixTensor& t : g.tensors) {
    if (t.name.empty()) return InvalidArgument(model + ": a tensor has no name");
    if (!tensor_names.insert(t.name).second) return InvalidArgument(model + ": tensor name " + t.name + " used twice");
  }
  for (const FixOp& op : g.ops) {
    if (op.name.empty()) return InvalidArgument(model + ": an op has no name");
    if (!op_names.insert(op.name).second) return InvalidArgument(model + ": op name " + op.name + " used twice");
    if (FindXirOpIo(op.kind) == nullptr)
      return Unsupported(model + ": op " + op.name + " (" + FixOpKindName(op.kind) + ") has no XIR writer");
  }
  std::vector<int> uses(g.tensors.size(), 0);
  std::vector<bool> is_io(g.tensors.size(), false), produced(g.tensors.size(), false);
  for (const FixOp& op : g.ops) {
    for (int id : op.inputs) ++uses[id];
    produced[op.output] = true;
  }
  for (int id : g.inputs) is_io[id] = true;
  for (int id : g.outputs) {
    if (!produced[id]) return InvalidArgument(model + ": graph output " + g.tensors[id].name + " is a graph input");
    is_io[id] = true;
  }
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    if (!produced[i] && !is_io[i])
      return InvalidArgument(model + ": tensor " + g.tensors[i].name + " is neither produced nor a graph input");
    if (produced[i] && uses[i] == 0 && !is_io[i])
      return InvalidArgument(model + ": tensor " + g.tensors[i].name +
                             " is never used and not a graph output (XIR would make it a subgraph output)");
  }
  if (!SortedByName(g, g.inputs))
    return InvalidArgument(model + ": graph inputs must be in name order (XIR presents them sorted): " +
                           NameList(g, g.inputs));
  if (!SortedByName(g, g.outputs))
    return InvalidArgument(model + ": graph outputs must be in name order (XIR presents them sorted): " +
                           NameList(g, g.outputs));
  if (info.input.mean.empty() || info.input.scale.empty())
    return InvalidArgument(model + ": input mean and scale need at least one value");
  if (info.input.color != "GRAY" && info.input.color != "RGB" && info.input.color != "BGR")
    return InvalidArgument(model + ": input color '" + info.input.color + "' (expected GRAY, RGB or BGR)");
  return Status::Ok();
}

Status CheckNamePlan(const std::vector<PlannedOp>& plan, const std::string& model) {
  std::set<std::string> ops, tensors;
  for (const PlannedOp& p : plan) {
    if (!ops.insert(p.op_name).second) return InvalidArgument(model + ": XIR op name " + p.op_name + " would be used twice");
    // XIR first names the tensor after the op, then we rename it.
    if (tensors.count(p.op_name))
      return InvalidArgument(model + ": op " + p.op_name + " would collide with an existing tensor of that name");
    if (p.tensor_name != p.op_name && tensors.count(p.tensor_name))
      return InvalidArgument(model + ": tensor name " + p.tensor_name + " would be used twice");
    tensors.insert(p.tensor_name);
  }
  return Status::Ok();
}

std::string NndctOpName(const std::string& name) {
  std::string out = name;
  for (char& c : out)
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) c = '_';
  return out;
}

std::vector<int> ToIntVector(const Shape& shape) { return std::vector<int>(shape.begin(), shape.end()); }

std::unique_ptr<xir::Attrs> NewAttrs() { return xir::Attrs::create(); }

void SetTensorFixAttrs(xir::Tensor* tensor, int fix_point) {
  tensor->set_attr(names::kFixPoint, xir::any(fix_point));
  tensor->set_attr(names::kBitWidth, xir::any(8));
  tensor->set_attr(names::kIfSigned, xir::any(true));
  tensor->set_attr(names::kRoundMode, xir::any(std::string(names::kDpuRound)));
}

void SetOpFixAttrs(xir::Attrs* attrs, int fix_point) {
  attrs->set_attr<int>(names::kFixPoint, fix_point);
  attrs->set_attr<int>(names::kBitWidth, 8);
  attrs->set_attr<bool>(names::kIfSigned, true);
  attrs->set_attr<std::string>(names::kRoundMode, names::kDpuRound);
}

void NameOutput(xir::Op* op, const std::string& tensor_name) {
  xir::Tensor* t = op->get_output_tensor();
  if (t->get_name() != tensor_name) t->rename(tensor_name);
}

void SetGraphInfoAttrs(xir::Graph* graph, const HostModelInfo& info) {
  graph->set_attr(names::kGraphInputMean, xir::any(info.input.mean));
  graph->set_attr(names::kGraphInputScale, xir::any(info.input.scale));
  graph->set_attr(names::kGraphInputColor, xir::any(info.input.color));
  graph->set_attr(names::kGraphSoftmax, xir::any(info.softmax));
  if (!info.labels.empty()) graph->set_attr(names::kGraphLabels, xir::any(info.labels));
}

Status CheckShape(const xir::Op* op, const Shape& expected, const std::string& model) {
  const std::vector<int32_t> got = op->get_output_tensor()->get_shape();
  const Shape got_shape(got.begin(), got.end());
  if (got_shape != expected)
    return Internal(model + ": XIR infers shape " + ShapeToString(got_shape) + " for " + op->get_name() + " (" +
                    op->get_type() + "), the FixGraph has " + ShapeToString(expected));
  return Status::Ok();
}

Status WriteGraphAtomically(const xir::Graph& graph, const std::string& path) {
  std::string bytes;
  try {
    graph.serialize_to_string(&bytes);
  } catch (const std::exception& e) {
    return Internal(path + ": XIR could not serialise the graph: " + e.what());
  }
  SIGNDPU_RETURN_IF_ERROR(ValidateXmodelBytes(bytes, path + " (as written)"));
  std::string tmp = path + ".tmp-XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return IoError(path + ": cannot create a temporary file next to it: " + std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return IoError(path + ": write failed: " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return IoError(path + ": flushing failed: " + std::strerror(err));
  }
  // mkstemp creates 0600; an xmodel is not secret.
  ::chmod(tmp.c_str(), 0644);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return IoError(path + ": rename failed: " + std::strerror(err));
  }
  return Status::Ok();
}

}  // namespace internal

std::string QuantizerXmodelFileName(const std::string& model_name) { return model_name + "_int.xmodel"; }

Result<HostModelInfo> ReadHostModelInfo(const xir::Graph& graph) {
    HostModelInfo info;
  const std::string where = "graph " + graph.get_name();
  info.model_name = graph.get_name();
  SIGNDPU_ASSIGN_OR_RETURN(info.input.mean,
                           GetAttrOr<std::vector<float>>(&graph, names::kGraphInputMean, info.input.mean, where));
  SIGNDPU_ASSIGN_OR_RETURN(info.input.scale,
                           GetAttrOr<std::vector<float>>(&graph, names::kGraphInputScale, info.input.scale, where));
  SIGNDPU_ASSIGN_OR_RETURN(info.input.color,
                           GetAttrOr<std::string>(&graph, names::kGraphInputColor, info.input.color, where));
  SIGNDPU_ASSIGN_OR_RETURN(info.softmax, GetAttrOr<bool>(&graph, names::kGraphSoftmax, info.softmax, where));
  SIGNDPU_ASSIGN_OR_RETURN(info.labels,
                           GetAttrOr<std::vector<std::string>>(&graph, names::kGraphLabels, info.labels, where));
  if (info.input.mean.empty() || info.input.scale.empty())
    return InvalidArgument(where + ": empty input mean or scale");
  return info;
}

}  // namespace signdpu::xmodel
