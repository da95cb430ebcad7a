#include "signdpu/target/dpu_limits.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <vitis/ai/target_factory.hpp>

#include "signdpu/kernels/fix_graph.h"

namespace signdpu::target {

namespace {

std::string NonlinearName(int t) {
  switch (t) {
    case vitis::ai::Target::Nonlinear::relu: return "relu";
    case vitis::ai::Target::Nonlinear::prelu: return "prelu";
    case vitis::ai::Target::Nonlinear::leaky_relu: return "leaky_relu";
    case vitis::ai::Target::Nonlinear::relu_six: return "relu_six";
    case vitis::ai::Target::Nonlinear::hsigmoid: return "hsigmoid";
    case vitis::ai::Target::Nonlinear::hswish: return "hswish";
    default: return "nonlinear#" + std::to_string(t);
  }
}

std::vector<std::string> Nonlinears(const vitis::ai::Target::Nonlinear& n) {
  std::vector<std::string> out;
  for (int t : n.nonlinear_type()) out.push_back(NonlinearName(t));
  return out;
}

BankLimits Bank(const vitis::ai::Target& t, const std::string& name) {
  BankLimits b;
  for (const auto& g : t.bank_group())
    if (g.name() == name) {
      b.present = true;
      b.bank_num = static_cast<int>(g.bank_num());
      b.bank_width = static_cast<int>(g.bank_width());
      b.bank_depth = static_cast<int>(g.bank_depth());
    }
  return b;
}

// Empty text -> the default (nndct's defaults when a limit is absent).
Result<IntSet> SetOr(const std::string& text, const char* fallback, const std::string& field) {
  auto s = ParseIntSet(text.empty() ? std::string(fallback) : text);
  if (!s.ok()) return InvalidArgument(field + ": " + s.status().message());
  return s;
}

bool Has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
  return s.empty() ? "none" : s;
}

int64_t CeilDiv(int64_t a, int64_t b) { return b <= 0 ? 0 : (a + b - 1) / b; }

class Checker {
 public:
  Checker(const DpuLimits& l, const DpuLayer& x) : l_(l), x_(x) {}

  std::vector<Violation> Run() {
    switch (x_.kind) {
      case LayerKind::kConv: Conv(); break;
      case LayerKind::kDepthwiseConv: Depthwise(); break;
      case LayerKind::kMaxPool:
      case LayerKind::kAvgPool: Pool(); break;
      case LayerKind::kEltwiseAdd:
      case LayerKind::kEltwiseMul: Eltwise(); break;
      case LayerKind::kHardSigmoid: HardSigmoid(); break;
      case LayerKind::kTransposedConv: TransposedConv(); break;
      case LayerKind::kTransposedDepthwiseConv: TransposedDepthwise(); break;
    }
    return out_;
  }

 private:
  void Add(std::string what) { out_.push_back({x_.name, std::move(what)}); }
  bool Global() const { return x_.in_w == x_.kernel_w && x_.in_h == x_.kernel_h; }

  void Kernel(const IntSet& s, const std::string& field) {
    if (!s.Contains(x_.kernel_w) || !s.Contains(x_.kernel_h))
      Add("kernel " + std::to_string(x_.kernel_h) + "x" + std::to_string(x_.kernel_w) + " (h x w) outside " + field +
          " " + s.text);
  }
  // nndct skips the stride check when the kernel covers the whole input
  // (dpu_op_filter.py:370-374). Its check_stride (:182) compares the limit
  // with itself and so never fails; here the stride itself is checked.
  void Stride(const IntSet& s, const std::string& field) {
    if (Global()) return;
    if (!s.Contains(x_.stride_w) || !s.Contains(x_.stride_h))
      Add("stride " + std::to_string(x_.stride_h) + "x" + std::to_string(x_.stride_w) + " (h x w) outside " + field +
          " " + s.text);
  }
  void Pad(int kh, int kw) {  // check_pad: 0 <= pad <= (dilated) kernel
    const int pads[4] = {x_.pad_left, x_.pad_right, x_.pad_top, x_.pad_bottom};
    const char* names[4] = {"pad_left", "pad_right", "pad_top", "pad_bottom"};
    for (int i = 0; i < 4; ++i) {
      const int k = i < 2 ? kw : kh;
      if (pads[i] < 0) Add(std::string(names[i]) + " " + std::to_string(pads[i]) + " is negative");
      else if (pads[i] > k)
        Add(std::string(names[i]) + " " + std::to_string(pads[i]) + " larger than the kernel (" + std::to_string(k) + ")");
    }
  }
  void PadLimit() {  // check_pad_with_limit: alu_engine.pad_limit
    const int pads[4] = {x_.pad_left, x_.pad_right, x_.pad_top, x_.pad_bottom};
    const IntSet* sets[4] = {&l_.pad_left, &l_.pad_right, &l_.pad_top, &l_.pad_bottom};
    const char* names[4] = {"pad_left", "pad_right", "pad_top", "pad_bottom"};
    for (int i = 0; i < 4; ++i) {
      if (sets[i]->empty()) {
        const int k = i < 2 ? x_.kernel_w : x_.kernel_h;
        if (pads[i] < 0 || pads[i] > k)
          Add(std::string(names[i]) + " " + std::to_string(pads[i]) + " outside 0.." + std::to_string(k) + " (the kernel)");
      } else if (!sets[i]->Contains(pads[i])) {
        Add(std::string(names[i]) + " " + std::to_string(pads[i]) + " outside alu_engine.pad_limit." + names[i] + " " +
            sets[i]->text);
      }
    }
  }
  void Nonlinear(const std::vector<std::string>& allowed, const std::string& engine) {
    if (x_.nonlinear.empty()) return;
    if (!Has(allowed, x_.nonlinear)) {
      Add("activation " + x_.nonlinear + " not among " + engine + ".nonlinear (" + Join(allowed) + ")");
      return;
    }
    // check_nonlinear :157-162: the DPU's leaky_relu has alpha 26/256 only.
    if (x_.nonlinear == "leaky_relu" && x_.leaky_alpha != 26.0f / 256.0f) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "leaky_relu alpha %g, the DPU supports only 26/256 = 0.1015625", x_.leaky_alpha);
      Add(buf);
    }
  }
  void Channels(int64_t c, int cp, const char* what, const std::string& field) {
    const int64_t limit = 256LL * cp;  // check_load_jump_write / check_save_jump_read
    if (cp > 0 && c > limit)
      Add(std::string(what) + " " + std::to_string(c) + " above 256 x " + field + " = " + std::to_string(limit));
  }

  // check_conv_weights_bank_depth: kh*kw*ceil(ic/bank_width)*ceil(ocp/bank_num) <= bank_depth
  void ConvWeightBank() {
    const BankLimits& b = l_.conv_weight_bank;
    if (b.present) {
      const int64_t depth = int64_t{x_.kernel_h} * x_.kernel_w * CeilDiv(x_.in_c, b.bank_width) *
                            CeilDiv(l_.conv_output_channel_parallel, b.bank_num);
      if (depth > b.bank_depth)
        Add("weights " + std::to_string(x_.kernel_h) + "x" + std::to_string(x_.kernel_w) + "x" + std::to_string(x_.in_c) +
            " need " + std::to_string(depth) + " words of the weight bank, above its depth " +
            std::to_string(b.bank_depth));
    }
  }

  void Conv() {
    if (x_.dense) {
      Nonlinear(l_.conv_nonlinear, "conv_engine");
      return;
    }
    Kernel(l_.conv_kernel, "conv_engine.conv_limit.kernel_size");
    ConvWeightBank();
    Stride(l_.conv_stride, "conv_engine.conv_limit.stride");
    Channels(x_.in_c, l_.conv_input_channel_parallel, "input channels", "conv_engine.input_channel_parallel");
    Pad((x_.kernel_h - 1) * x_.dilation_h + 1, (x_.kernel_w - 1) * x_.dilation_w + 1);
    Nonlinear(l_.conv_nonlinear, "conv_engine");
  }

  // check_transposed_kernel (dpu_op_filter.py:303-308): kernel / stride in the
  // kernel limit, and kernel / stride + 1 too when the stride does not divide
  // the kernel (the phase convs' kernel sizes).
  void TransposedKernel(const IntSet& s, const std::string& field) {
    const int k[2] = {x_.kernel_h, x_.kernel_w}, st[2] = {x_.stride_h, x_.stride_w};
    for (int i = 0; i < 2; ++i) {
      if (st[i] < 1) continue;
      if (!s.Contains(k[i] / st[i]) || (k[i] % st[i] != 0 && !s.Contains(k[i] / st[i] + 1)))
        Add("kernel / stride " + std::to_string(k[i]) + " / " + std::to_string(st[i]) + (i == 0 ? " (h)" : " (w)") +
            " outside " + field + " " + s.text);
    }
  }

  // filter_transpose_conv2d (dpu_op_filter.py:497-546). Its output_padding
  // refusal has no counterpart here: the lowering turns output_padding into a
  // smaller end pad, which check_pad then sees.
  void TransposedConv() {
    TransposedKernel(l_.conv_kernel, "conv_engine.conv_limit.kernel_size");
    ConvWeightBank();
    Channels(x_.in_c, l_.conv_input_channel_parallel, "input channels", "conv_engine.input_channel_parallel");
    Pad(x_.kernel_h, x_.kernel_w);
    Nonlinear(l_.conv_nonlinear, "conv_engine");
  }

  // filter_transpose_depthwise_conv2d (dpu_op_filter.py:549-634).
  void TransposedDepthwise() {
    if (l_.has_alu) {
      if (!Has(l_.alu_types, "dwconv")) Add("alu_engine has no dwconv (alu_type: " + Join(l_.alu_types) + ")");
      TransposedKernel(l_.alu_kernel, "alu_engine.alu_limit.kernel_size");
      Channels(x_.in_c, l_.alu_channel_parallel, "input channels", "alu_engine.channel_parallel");
      Channels(x_.out_c, l_.alu_channel_parallel, "output channels", "alu_engine.channel_parallel");
      PadLimit();
      Nonlinear(l_.alu_nonlinear, "alu_engine");
    } else if (l_.has_dwconv) {
      TransposedKernel(l_.dwconv_kernel, "dwconv_engine.dwconv_limit.kernel_size");
      Channels(x_.in_c, l_.dwconv_channel_parallel, "input channels", "dwconv_engine.channel_parallel");
      Channels(x_.out_c, l_.dwconv_channel_parallel, "output channels", "dwconv_engine.channel_parallel");
      Pad(x_.kernel_h, x_.kernel_w);
      Nonlinear(l_.dwconv_nonlinear, "dwconv_engine");
    } else {
      Add("the target has neither an alu_engine nor a dwconv_engine for a transposed depthwise conv");
    }
  }

  void Depthwise() {
    if (l_.has_alu) {
      if (!Has(l_.alu_types, "dwconv")) Add("alu_engine has no dwconv (alu_type: " + Join(l_.alu_types) + ")");
      Kernel(l_.alu_kernel, "alu_engine.alu_limit.kernel_size");
      Stride(l_.alu_stride, "alu_engine.alu_limit.stride");
      Channels(x_.in_c, l_.alu_channel_parallel, "input channels", "alu_engine.channel_parallel");
      Channels(x_.out_c, l_.alu_channel_parallel, "output channels", "alu_engine.channel_parallel");
      const BankLimits& b = l_.alu_weight_bank;  // check_dwconv_weights_bank_depth
      if (b.present) {
        const int64_t depth = int64_t{x_.kernel_h} * x_.kernel_w * CeilDiv(l_.alu_channel_parallel, b.bank_width);
        if (depth > b.bank_depth)
          Add("depthwise weights " + std::to_string(x_.kernel_h) + "x" + std::to_string(x_.kernel_w) + " need " +
              std::to_string(depth) + " words of the weight bank, above its depth " + std::to_string(b.bank_depth));
      }
      PadLimit();
      Nonlinear(l_.alu_nonlinear, "alu_engine");
    } else if (l_.has_dwconv) {
      Kernel(l_.dwconv_kernel, "dwconv_engine.dwconv_limit.kernel_size");
      Stride(l_.dwconv_stride, "dwconv_engine.dwconv_limit.stride");
      Channels(x_.in_c, l_.dwconv_channel_parallel, "input channels", "dwconv_engine.channel_parallel");
      Channels(x_.out_c, l_.dwconv_channel_parallel, "output channels", "dwconv_engine.channel_parallel");
      Pad((x_.kernel_h - 1) * x_.dilation_h + 1, (x_.kernel_w - 1) * x_.dilation_w + 1);
      Nonlinear(l_.dwconv_nonlinear, "dwconv_engine");
    } else {
      Add("the target has neither an alu_engine nor a dwconv_engine for a depthwise conv");
    }
  }

  void Pool() {
    const bool avg = x_.kind == LayerKind::kAvgPool;
    if (l_.has_alu) {
      if (!Has(l_.alu_types, avg ? "avg_pool" : "max_pool") && !(!avg && Has(l_.alu_types, "max_reduce")))
        Add(std::string("alu_engine has no ") + (avg ? "avg_pool" : "max_pool") + " (alu_type: " + Join(l_.alu_types) +
            ")");
      Kernel(l_.alu_kernel, "alu_engine.alu_limit.kernel_size");
      Stride(l_.alu_stride, "alu_engine.alu_limit.stride");
      PadLimit();
    } else if (l_.has_pool) {
      if (!Has(l_.pool_types, avg ? "avg" : "max"))
        Add(std::string("pool_engine has no ") + (avg ? "avg" : "max") + " (pool_type: " + Join(l_.pool_types) + ")");
      if (avg && x_.kernel_h != x_.kernel_w) Add("the pool_engine averages square kernels only");
      Kernel(avg ? l_.pool_avg_kernel : l_.pool_max_kernel,
             avg ? "pool_engine.avg_limit.kernel_size" : "pool_engine.max_limit.kernel_size");
      Stride(avg ? l_.pool_avg_stride : l_.pool_max_stride,
             avg ? "pool_engine.avg_limit.stride" : "pool_engine.max_limit.stride");
      Pad(x_.kernel_h, x_.kernel_w);
    } else {
      Add("the target has neither an alu_engine nor a pool_engine for pooling");
    }
    if (!x_.nonlinear.empty()) Add("activation " + x_.nonlinear + " fused into a pool (no engine applies one)");
  }

  void Eltwise() {
    if (!l_.has_eltwise) {
      Add("the target has no eltwise_engine");
      return;
    }
    const std::string type = x_.kind == LayerKind::kEltwiseAdd ? "add" : "mult";
    if (!Has(l_.eltwise_types, type)) Add("eltwise_engine has no " + type + " (elew_type: " + Join(l_.eltwise_types) + ")");
    Nonlinear(l_.eltwise_nonlinear, "eltwise_engine");
  }

  void HardSigmoid() {  // filter_hard_sigmoid: needs the alu_engine
    if (!l_.has_alu) Add("the target has no alu_engine for hard-sigmoid");
    else if (!Has(l_.alu_types, "hsigmoid")) Add("alu_engine has no hsigmoid (alu_type: " + Join(l_.alu_types) + ")");
  }

  const DpuLimits& l_;
  const DpuLayer& x_;
  std::vector<Violation> out_;
};

}  // namespace

bool IntSet::Contains(int64_t v) const {
  for (const auto& [lo, hi] : ranges)
    if (v >= lo && v <= hi) return true;
  return false;
}

Result<IntSet> ParseIntSet(const std::string& text) {
  IntSet s;
  s.text = text;
  size_t pos = 0;
  auto number = [&](int* out) -> bool {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    if (pos >= text.size() || !std::isdigit(static_cast<unsigned char>(text[pos]))) return false;
    long v = 0;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      v = v * 10 + (text[pos++] - '0');
      if (v > 1000000) return false;
    }
    while (pos < text.size() && text[pos] == ' ') ++pos;
    *out = static_cast<int>(v);
    return true;
  };
  while (true) {
    int lo = 0, hi = 0;
    if (!number(&lo)) return InvalidArgument("cannot read the integer set '" + text + "'");
    hi = lo;
    if (pos < text.size() && text[pos] == '-') {
      ++pos;
      if (!number(&hi) || hi < lo) return InvalidArgument("cannot read the integer set '" + text + "'");
    }
    s.ranges.emplace_back(lo, hi);
    if (pos == text.size()) break;
    if (text[pos] != ',') return InvalidArgument("cannot read the integer set '" + text + "'");
    ++pos;
  }
  return s;
}

Result<DpuLimits> LoadDpuLimits(const std::string& target_name) {
  if (target_name.empty()) return InvalidArgument("DPU target name is empty");
  vitis::ai::Target t;
  try {
    // create() on an unknown name ends in a fatal log: ask first.
    if (!vitis::ai::target_factory()->is_registered_target(target_name))
      return NotFound("DPU target " + target_name + " is not known to libtarget-factory " +
                      vitis::ai::TargetFactory::get_lib_id());
    t = vitis::ai::target_factory()->create(target_name);
  } catch (const std::exception& e) {
    return Internal("libtarget-factory: " + target_name + ": " + e.what());
  }
  DpuLimits l;
  l.name = t.name();
  l.type = t.type();
  try {
    l.fingerprint = vitis::ai::target_factory()->get_fingerprint(target_name);
  } catch (const std::exception& e) {
    return Internal("libtarget-factory: fingerprint of " + target_name + ": " + e.what());
  }
  if (!t.has_conv_engine()) return InvalidArgument("DPU target " + target_name + " has no conv_engine");
  const auto& conv = t.conv_engine();
  l.conv_input_channel_parallel = static_cast<int>(conv.input_channel_parallel());
  l.conv_output_channel_parallel = static_cast<int>(conv.output_channel_parallel());
  // Defaults when a limit is absent: nndct's (dpu_op_filter.py:347, :360).
  SIGNDPU_ASSIGN_OR_RETURN(l.conv_kernel, SetOr(conv.conv_limit().kernel_size(), "1-16", "conv_limit.kernel_size"));
  SIGNDPU_ASSIGN_OR_RETURN(l.conv_stride, SetOr(conv.conv_limit().stride(), "1-4", "conv_limit.stride"));
  l.conv_nonlinear = Nonlinears(conv.nonlinear());
  l.conv_weight_bank = Bank(t, conv.weight_bank());
  if (t.has_alu_engine()) {
    const auto& alu = t.alu_engine();
    l.has_alu = true;
    l.alu_channel_parallel = static_cast<int>(alu.channel_parallel());
    for (int a : alu.alu_type()) l.alu_types.push_back(vitis::ai::Target::Alu::AluType_Name(a));
    SIGNDPU_ASSIGN_OR_RETURN(l.alu_kernel, SetOr(alu.alu_limit().kernel_size(), "1-16", "alu_limit.kernel_size"));
    SIGNDPU_ASSIGN_OR_RETURN(l.alu_stride, SetOr(alu.alu_limit().stride(), "1-4", "alu_limit.stride"));
    const auto& p = alu.pad_limit();
    if (!p.pad_left().empty()) {
      SIGNDPU_ASSIGN_OR_RETURN(l.pad_left, ParseIntSet(p.pad_left()));
    }
    if (!p.pad_right().empty()) {
      SIGNDPU_ASSIGN_OR_RETURN(l.pad_right, ParseIntSet(p.pad_right()));
    }
    if (!p.pad_top().empty()) {
      SIGNDPU_ASSIGN_OR_RETURN(l.pad_top, ParseIntSet(p.pad_top()));
    }
    if (!p.pad_bottom().empty()) {
      SIGNDPU_ASSIGN_OR_RETURN(l.pad_bottom, ParseIntSet(p.pad_bottom()));
    }
    l.alu_nonlinear = Nonlinears(alu.nonlinear());
    l.alu_weight_bank = Bank(t, alu.weight_bank());
  }
  if (t.has_pool_engine()) {
    const auto& pool = t.pool_engine();
    l.has_pool = true;
    for (int p : pool.pool_type()) l.pool_types.push_back(vitis::ai::Target::Pool::PoolType_Name(p));
    // filter_pool :700-701: 1-8 unless the engine says otherwise.
    SIGNDPU_ASSIGN_OR_RETURN(l.pool_max_kernel, SetOr(pool.max_limit().kernel_size(), "1-8", "max_limit.kernel_size"));
    SIGNDPU_ASSIGN_OR_RETURN(l.pool_max_stride, SetOr(pool.max_limit().stride(), "1-8", "max_limit.stride"));
    SIGNDPU_ASSIGN_OR_RETURN(l.pool_avg_kernel, SetOr(pool.avg_limit().kernel_size(), "1-8", "avg_limit.kernel_size"));
    SIGNDPU_ASSIGN_OR_RETURN(l.pool_avg_stride, SetOr(pool.avg_limit().stride(), "1-8", "avg_limit.stride"));
  }
  if (t.has_dwconv_engine()) {
    const auto& dw = t.dwconv_engine();
    l.has_dwconv = true;
    l.dwconv_channel_parallel = static_cast<int>(dw.channel_parallel());
    SIGNDPU_ASSIGN_OR_RETURN(l.dwconv_kernel, SetOr(dw.dwconv_limit().kernel_size(), "1-16", "dwconv_limit.kernel_size"));
    SIGNDPU_ASSIGN_OR_RETURN(l.dwconv_stride, SetOr(dw.dwconv_limit().stride(), "1-4", "dwconv_limit.stride"));
    l.dwconv_nonlinear = Nonlinears(dw.nonlinear());
  }
  if (t.has_eltwise_engine()) {
    const auto& e = t.eltwise_engine();
    l.has_eltwise = true;
    for (int x : e.elew_type()) l.eltwise_types.push_back(vitis::ai::Target::Eltwise::ElewType_Name(x));
    l.eltwise_nonlinear = Nonlinears(e.nonlinear());
  }
  l.load_channel_parallel = static_cast<int>(t.load_engine().channel_parallel());
  return l;
}

const char* LayerKindName(LayerKind kind) {
  switch (kind) {
    case LayerKind::kConv: return "conv2d";
    case LayerKind::kDepthwiseConv: return "depthwise-conv2d";
    case LayerKind::kMaxPool: return "maxpool2d";
    case LayerKind::kAvgPool: return "avgpool2d";
    case LayerKind::kEltwiseAdd: return "add";
    case LayerKind::kEltwiseMul: return "mul";
    case LayerKind::kHardSigmoid: return "hard-sigmoid";
    case LayerKind::kTransposedConv: return "transposed-conv2d";
    case LayerKind::kTransposedDepthwiseConv: return "transposed-depthwise-conv2d";
  }
  return "?";
}

std::string Violation::Line(const std::string& target) const {
  return "layer " + layer + ": " + what + " [DPU " + target + "]";
}

std::vector<Violation> CheckLayer(const DpuLimits& limits, const DpuLayer& layer) {
  return Checker(limits, layer).Run();
}

std::vector<Violation> CheckLayers(const DpuLimits& limits, const std::vector<DpuLayer>& layers) {
  std::vector<Violation> all;
  for (const DpuLayer& x : layers) {
    auto v = CheckLayer(limits, x);
    all.insert(all.end(), v.begin(), v.end());
  }
  return all;
}

// The nonlinear name libtarget-factory's tables use for an activation.
static std::string NonlinearName(Activation a) {
  switch (a) {
    case Activation::kNone: return "";
    case Activation::kRelu: return "relu";
    case Activation::kRelu6: return "relu_six";
    case Activation::kLeakyRelu: return "leaky_relu";
  }
  return "";
}

// Dense convs, as the quantiser xmodel writer finds them: kernel = the
// whole input, no padding, 1x1 output whose only user is a copy to [1, O].
static std::vector<bool> DenseConvs(const FixGraph& g) {
  std::vector<int> uses(g.tensors.size(), 0);
  std::vector<const FixOp*> user(g.tensors.size(), nullptr);
  for (const FixOp& op : g.ops)
    for (int id : op.inputs) {
      ++uses[id];
      user[id] = &op;
    }
  std::vector<bool> dense(g.ops.size(), false);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const FixOp& op = g.ops[i];
    if (op.kind != FixOpKind::kConv2d) continue;
    const Shape& in = g.tensors[op.inputs[0]].shape;
    const Shape& out = g.tensors[op.output].shape;
    if (in.size() != 4 || out.size() != 4 || out[1] != 1 || out[2] != 1) continue;
    const ConvAttrs& c = op.Attrs<ConvAttrs>();
    if (c.kernel_h != in[1] || c.kernel_w != in[2] || c.pad_left || c.pad_right || c.pad_top || c.pad_bottom) continue;
    if (uses[op.output] != 1 || user[op.output]->kind != FixOpKind::kCopy) continue;
    const Shape& flat = g.tensors[user[op.output]->output].shape;
    dense[i] = flat.size() == 2 && flat[1] == out[3];
  }
  return dense;
}

// A conv layer's window and activation from its attributes.
static void SetConv(const ConvAttrs& c, DpuLayer* x) {
  x->kernel_h = c.kernel_h, x->kernel_w = c.kernel_w, x->stride_h = c.stride_h, x->stride_w = c.stride_w;
  x->dilation_h = c.dilation_h, x->dilation_w = c.dilation_w;
  x->pad_left = c.pad_left, x->pad_right = c.pad_right, x->pad_top = c.pad_top, x->pad_bottom = c.pad_bottom;
  x->nonlinear = NonlinearName(c.activation);  // leaky_relu: the kernels use 26/256
}

std::vector<DpuLayer> LayersOf(const FixGraph& g) {
  const std::vector<bool> dense = DenseConvs(g);
  std::vector<DpuLayer> layers;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const FixOp& op = g.ops[i];
    DpuLayer x;
    x.name = op.name;
    const Shape& in = g.tensors[op.inputs.empty() ? op.output : op.inputs[0]].shape;
    const Shape& out = g.tensors[op.output].shape;
    if (in.size() == 4) {
      x.in_h = in[1];
      x.in_w = in[2];
      x.in_c = in[3];
    } else if (!in.empty()) {
      x.in_c = in.back();
    }
    x.out_c = out.empty() ? 1 : out.back();
    switch (op.kind) {
      case FixOpKind::kConv2d:
      case FixOpKind::kDepthwiseConv2d:
      case FixOpKind::kTransposedConv2d:  // vai_q_pytorch: dpu_op_filter.py:497, 549
      case FixOpKind::kTransposedDepthwiseConv2d:
        SetConv(op.Attrs<ConvAttrs>(), &x);
        x.kind = op.kind == FixOpKind::kConv2d            ? LayerKind::kConv
                 : op.kind == FixOpKind::kDepthwiseConv2d ? LayerKind::kDepthwiseConv
                 : op.kind == FixOpKind::kTransposedConv2d ? LayerKind::kTransposedConv
                                                          : LayerKind::kTransposedDepthwiseConv;
        x.dense = dense[i];
        break;
      case FixOpKind::kGroupedConv2d:  // one conv2d-fix per group as written (the concat-fix: no limit)
        for (const ConvGroup& group : op.Attrs<GroupedConvAttrs>().groups) {
          DpuLayer y = x;
          SetConv(group.conv, &y);
          y.kind = LayerKind::kConv;
          y.name = group.name;
          y.out_c = group.conv.out_channels;
          layers.push_back(std::move(y));
        }
        continue;
      case FixOpKind::kPool: {
        const PoolAttrs& p = op.Attrs<PoolAttrs>();
        x.kind = p.type == PoolType::kAvg ? LayerKind::kAvgPool : LayerKind::kMaxPool;
        x.kernel_h = p.kernel_h, x.kernel_w = p.kernel_w, x.stride_h = p.stride_h, x.stride_w = p.stride_w;
        x.pad_left = p.pad_left, x.pad_right = p.pad_right, x.pad_top = p.pad_top, x.pad_bottom = p.pad_bottom;
        break;
      }
      case FixOpKind::kEltwiseAdd:
        x.kind = op.Attrs<EltwiseAttrs>().type == EltwiseType::kMul ? LayerKind::kEltwiseMul : LayerKind::kEltwiseAdd;
        x.nonlinear = NonlinearName(op.Attrs<EltwiseAttrs>().activation);
        break;
      case FixOpKind::kHardSigmoid:
        x.kind = LayerKind::kHardSigmoid;
        break;
      case FixOpKind::kCopy:
      case FixOpKind::kConcat:  // the quantiser makes it too; no engine row in the target [inferred: a layout op]
      case FixOpKind::kDepthwiseFix:
      case FixOpKind::kUpsample:
      case FixOpKind::kDownsample:
      case FixOpKind::kPad:  // the quantiser makes it too (ONNX Pad); no engine row in the target [inferred]
      case FixOpKind::kReorg:
      case FixOpKind::kTile:
      case FixOpKind::kPixelShuffle:
        continue;  // read from compiled models only: no per-layer limit table
    }
    layers.push_back(std::move(x));
  }
  return layers;
}

Status CheckFixGraph(const DpuLimits& limits, const FixGraph& graph) {
  const auto v = CheckLayers(limits, LayersOf(graph));
  if (v.empty()) return Status::Ok();
  std::string line = v[0].Line(limits.name);
  if (v.size() > 1) {
    line += " (and " + std::to_string(v.size() - 1) + " more:";
    for (size_t i = 1; i < v.size(); ++i) line += (i == 1 ? " " : ", ") + v[i].layer;
    line += ")";
  }
  return InvalidArgument(line);
}

}  // namespace signdpu::target
