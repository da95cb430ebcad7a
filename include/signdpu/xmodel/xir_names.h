// XIR op types, attribute names and values: the one place in signdpu that
// spells them (every module that needs an XIR name includes this header;
// docs/architecture.md). See docs/xmodel.md for what each means and where it
// was learnt.
#pragma once

namespace signdpu::xmodel::names {

// compiled (-fix) ops
inline constexpr const char* kDataFix = "data-fix";
inline constexpr const char* kConstFix = "const-fix";
inline constexpr const char* kConv2dFix = "conv2d-fix";
inline constexpr const char* kDepthwiseConv2dFix = "depthwise-conv2d-fix";
inline constexpr const char* kPoolFix = "pool-fix";
inline constexpr const char* kEltwiseFix = "eltwise-fix";
inline constexpr const char* kReshapeFix = "reshape-fix";
inline constexpr const char* kHardSigmoidFix = "hard-sigmoid-fix";
inline constexpr const char* kConcatFix = "concat-fix";
inline constexpr const char* kDepthwiseFix = "depthwise-fix";
inline constexpr const char* kUpsampleFix = "upsample-fix";
inline constexpr const char* kDownsampleFix = "downsample-fix";
inline constexpr const char* kPadFix = "pad-fix";
inline constexpr const char* kReorgFix = "reorg-fix";
inline constexpr const char* kTileFix = "tile-fix";
inline constexpr const char* kPixelShuffleFix = "pixel-shuffle-fix";
inline constexpr const char* kUpload = "upload";
inline constexpr const char* kDownload = "download";
inline constexpr const char* kFix2Float = "fix2float";
inline constexpr const char* kFloat2Fix = "float2fix";
inline constexpr const char* kTransposedConv2dFix = "transposed-conv2d-fix";
inline constexpr const char* kTransposedDepthwiseConv2dFix = "transposed-depthwise-conv2d-fix";
// Not an XIR type: signdpu's name for FixOpKind::kGroupedConv2d (messages
// only). The writers emit it as conv2d-fix per group + concat-fix.
inline constexpr const char* kGroupedConv2dFix = "grouped-conv2d-fix";
inline constexpr const char* kSoftmax = "softmax";
inline constexpr const char* kIdentity = "identity";
// quantiser-format (float + fix) ops
inline constexpr const char* kData = "data";
inline constexpr const char* kConst = "const";
inline constexpr const char* kFix = "fix";
inline constexpr const char* kConv2d = "conv2d";
inline constexpr const char* kDepthwiseConv2d = "depthwise-conv2d";
inline constexpr const char* kMaxPool2d = "maxpool2d";
inline constexpr const char* kAvgPool2d = "avgpool2d";
inline constexpr const char* kAdd = "add";
inline constexpr const char* kRelu = "relu";
inline constexpr const char* kRelu6 = "relu6";
inline constexpr const char* kLeakyRelu = "leaky-relu";
inline constexpr const char* kHardSigmoid = "hard-sigmoid";
inline constexpr const char* kFlatten = "flatten";
inline constexpr const char* kMatmul = "matmul";
inline constexpr const char* kReshape = "reshape";
inline constexpr const char* kConcat = "concat";
inline constexpr const char* kPrelu = "prelu";
// quantiser-format ops signdpu reads but does not check or lower yet (inspect)
inline constexpr const char* kTransposedConv2d = "transposed-conv2d";
inline constexpr const char* kTransposedDepthwiseConv2d = "transposed-depthwise-conv2d";
inline constexpr const char* kHardSwish = "hard-swish";
inline constexpr const char* kUpsample = "upsample";
inline constexpr const char* kResize = "resize";
inline constexpr const char* kPixelShuffle = "pixel-shuffle";
inline constexpr const char* kReductionMax = "reduction_max";
inline constexpr const char* kTranspose = "transpose";
inline constexpr const char* kMul = "mul";  // nndct's avgpool / hard-sigmoid scale (not in host xmodels)

// op argument names
inline constexpr const char* kArgInput = "input";
inline constexpr const char* kArgWeights = "weights";
inline constexpr const char* kArgBias = "bias";

// op attributes
inline constexpr const char* kShape = "shape";
inline constexpr const char* kDataType = "data_type";
inline constexpr const char* kData_ = "data";
inline constexpr const char* kKernel = "kernel";
inline constexpr const char* kStride = "stride";
inline constexpr const char* kDilation = "dilation";
inline constexpr const char* kPad = "pad";
inline constexpr const char* kPadMode = "pad_mode";
inline constexpr const char* kGroup = "group";
inline constexpr const char* kNonlinear = "nonlinear";
inline constexpr const char* kType = "type";
inline constexpr const char* kHsigmoidIn = "hsigmoid_in";
inline constexpr const char* kShiftHsigmoid = "shift_hsigmoid";
inline constexpr const char* kAlpha = "alpha";
inline constexpr const char* kAxis = "axis";
inline constexpr const char* kKeepDims = "keep_dims";
inline constexpr const char* kGlobal = "global";
inline constexpr const char* kCountIncludePad = "count_include_pad";
inline constexpr const char* kCountIncludeInvalid = "count_include_invalid";
inline constexpr const char* kBiasTerm = "bias_term";
inline constexpr const char* kInDim = "in_dim";
inline constexpr const char* kOutDim = "out_dim";
inline constexpr const char* kStartAxis = "start_axis";
inline constexpr const char* kEndAxis = "end_axis";
inline constexpr const char* kTransposeA = "transpose_a";
inline constexpr const char* kTransposeB = "transpose_b";
inline constexpr const char* kMode = "mode";
inline constexpr const char* kAlignCorners = "align_corners";
inline constexpr const char* kHalfPixelCenters = "half_pixel_centers";
inline constexpr const char* kScale = "scale";
inline constexpr const char* kPaddings = "paddings";
inline constexpr const char* kConstantValues = "constant_values";
inline constexpr const char* kReverse = "reverse";
inline constexpr const char* kUpscale = "upscale";

// tensor (and fix-op) attributes
inline constexpr const char* kFixPoint = "fix_point";
inline constexpr const char* kBitWidth = "bit_width";
inline constexpr const char* kIfSigned = "if_signed";
inline constexpr const char* kRoundMode = "round_mode";
inline constexpr const char* kLegacyFixPoint = "quant_out_quantize_pos";
inline constexpr const char* kLegacyBitWidth = "quant_out_bit_width";
inline constexpr const char* kLegacySigned = "quant_out_signed";
inline constexpr const char* kRegId = "reg_id";
inline constexpr const char* kDdrAddr = "ddr_addr";
inline constexpr const char* kLocation = "location";

// subgraph attributes
inline constexpr const char* kDevice = "device";
inline constexpr const char* kDpuName = "dpu_name";
inline constexpr const char* kDpuFingerprint = "dpu_fingerprint";
inline constexpr const char* kRunner = "runner";
// vart::Runner::create_runner_with_attrs: the runner mode and the per-device
// library override [source: v2.5 vart/runner/src/runner.cpp]
inline constexpr const char* kRunnerModeAttr = "mode";
inline constexpr const char* kRunnerLibAttr = "lib";
inline constexpr const char* kRunnerModeRun = "run";
inline constexpr const char* kRunnerModeRef = "ref";
inline constexpr const char* kChildrenTopologicalSort = "children_topological_sort";
inline constexpr const char* kRegIdToParameterValue = "reg_id_to_parameter_value";
inline constexpr const char* kRegIdToContextType = "reg_id_to_context_type";

// graph attributes (signdpu's own, read by ReadHostModelInfo)
inline constexpr const char* kGraphInputMean = "signdpu_input_mean";
inline constexpr const char* kGraphInputScale = "signdpu_input_scale";
inline constexpr const char* kGraphInputColor = "signdpu_input_color";
inline constexpr const char* kGraphSoftmax = "signdpu_softmax";
inline constexpr const char* kGraphLabels = "signdpu_labels";
inline constexpr const char* kGraphReturnOps = "return_ops";

// runner attributes (vart::Runner::create_runner_with_attrs) the emulator
// plugin reads (docs/emulator.md)
inline constexpr const char* kRunnerEmuBatch = "signdpu_emu_batch";
inline constexpr const char* kRunnerEmuThreads = "signdpu_emu_threads";
inline constexpr const char* kRunnerEmuDelayMs = "signdpu_emu_delay_ms";

// values
inline constexpr const char* kDeviceDpu = "DPU";
inline constexpr const char* kDeviceCpu = "CPU";
inline constexpr const char* kDeviceUser = "USER";
inline constexpr const char* kXint8 = "XINT8";
inline constexpr const char* kFloat32Upper = "FLOAT32";  // data op, as vai_q writes it
inline constexpr const char* kFloat32Lower = "float32";  // const op, as vai_q writes it
inline constexpr const char* kDpuRound = "DPU_ROUND";
inline constexpr const char* kPadModeFloor = "FLOOR";
inline constexpr const char* kPoolMax = "MAX";
inline constexpr const char* kPoolAvg = "AVG";
inline constexpr const char* kEltwiseAdd = "ADD";
inline constexpr const char* kRegPrefix = "REG_";
inline constexpr const char* kContextConst = "CONST";

}  // namespace signdpu::xmodel::names
