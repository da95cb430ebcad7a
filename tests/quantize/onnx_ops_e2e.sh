#!/usr/bin/env bash
# Quantise-and-run tests of the ONNX ops that map onto eltwise-fix (Add / Mul
# with constants, Mul of two activations), concat-fix (inputs at different
# fix points) and pad-fix (tests/data/onnx/make_op_models.py), one case per
# invocation:
#   onnx_ops_e2e.sh CASE BIN_DIR SOURCE_DIR WORK_DIR
# CASE eltwise | concat | pad: signdpu-quantize with 6 x 32 calibration rows,
#   int8 against float on the 200 sample rows (top-1 agreement, the op
#   layers' output SQNR, printed), the op types of the quantiser-format
#   graph, and `signdpu run` through real libvart + the emulator giving the
#   quantiser's int8 accuracy. (Bit equality with an independent evaluation
#   of the quantiser-format graph: the oracle_onnx_* tests.)
# CASE hostile: each unsupported model is refused in one error line naming
#   the node, non-zero exit.
set -uo pipefail
CASE="$1"; BIN="$2"; SRC="$3"; WORK="$4"
SAMPLE="$SRC/tests/data/fashion_sample.csv"
D="$SRC/tests/data/onnx"
mkdir -p "$WORK"
export GLOG_minloglevel=${GLOG_minloglevel:-1}

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { if eval "$1"; then echo "ok: $2"; else fail "$2 ($1)"; fi; }
json() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

# quantise_and_run NAME LAYER_OPS MIN_AGREEMENT MIN_SQNR XIR_TYPES...
quantise_and_run() {
  local name="$1" ops="$2" min_agree="$3" min_sqnr="$4"; shift 4
  local q="$WORK/$name"
  rm -rf "$q"
  "$BIN/signdpu-quantize" --model "$D/$name.onnx" --calib "$SAMPLE" --calib_iter 6 --calib_batch_size 32 \
    --eval "$SAMPLE" --output_dir "$q" --name "$name" --no-progress > "$WORK/$name.txt" 2>&1
  local rc=$?
  cat "$WORK/$name.txt"
  check "[[ $rc -eq 0 ]]" "$name: signdpu-quantize exits 0"
  [[ $rc -eq 0 ]] || return
  local r="$q/report.json"
  echo "measured: $name float accuracy $(json "$r" 'd["float_accuracy"]'), int8 accuracy $(json "$r" 'd["int8_accuracy"]'), top-1 agreement $(json "$r" 'd["top1_agreement"]') over $(json "$r" 'd["eval_images"]') images"
  json "$r" '"\n".join("measured: %s %s fix_point_output %s sqnr_db %.1f" % (l["name"], l["op"], l["fix_point_output"], l["sqnr_db"]) for l in d["layers"] if l["op"] in sys.argv[3].split(","))' "$ops"
  check "json '$r' 'd[\"top1_agreement\"] >= $min_agree' | grep -q True" "$name: int8 agrees with float on >= $min_agree of 200 images"
  check "json '$r' 'min(l[\"sqnr_db\"] for l in d[\"layers\"] if l[\"op\"] in sys.argv[3].split(\",\")) >= $min_sqnr' '$ops' | grep -q True" \
    "$name: every $ops layer's int8 output within $min_sqnr dB SQNR of float"
  "$BIN/xmodel_graph_export" "$q/${name}_int.xmodel" "$WORK/$name.export" > /dev/null
  # TYPE=N: at least N ops of XIR type TYPE (avgpool's correction mul and
  # weight-group concats come on top); _other=N: exactly N const operands
  # named as vai_q's binary_op names them.
  local g="$WORK/$name.export/graph.json" n
  for t in "$@"; do
    if [[ "${t%%=*}" == _other ]]; then
      n=$(json "$g" 'sum(o["type"] == "const" and o["name"].endswith("_other") for o in d["ops"])')
      check "[[ $n -eq ${t#*=} ]]" "$name: quantiser-format graph has ${t#*=} const operands <op>_other (got $n)"
    else
      n=$(json "$g" 'sum(o["type"] == sys.argv[3] for o in d["ops"])' "${t%%=*}")
      check "[[ $n -ge ${t#*=} ]]" "$name: quantiser-format graph has >= ${t#*=} '${t%%=*}' op(s) (got $n)"
    fi
  done
  "$BIN/signdpu" run --model "$q/$name.xmodel" --csv "$SAMPLE" --mode ref --quiet --summary-json "$WORK/$name.run.json" \
    > /dev/null 2>&1
  local want got
  want=$(json "$r" 'd["int8_accuracy"]'); got=$(json "$WORK/$name.run.json" 'd["accuracy"]')
  check "[[ '$want' == '$got' ]]" "$name: signdpu run (libvart + emulator) accuracy $got equals the quantiser's int8 accuracy $want"
}

# refused NAME MESSAGE: one error line containing MESSAGE, non-zero exit.
refused() {
  local name="$1" msg="$2" out rc lines
  out="$("$BIN/signdpu-quantize" --model "$D/$name.onnx" --calib "$SAMPLE" --calib_iter 1 --calib_batch_size 8 \
    --output_dir "$WORK/$name" --no-progress 2>&1 >/dev/null)"; rc=$?
  lines=$(printf '%s\n' "$out" | grep -c ': error:')
  echo "$name -> exit $rc: $out"
  check "[[ $rc -ne 0 && $lines -eq 1 ]]" "$name: non-zero exit, one error line"
  check "[[ '$out' == *\"$msg\"* ]]" "$name: the line says '$msg'"
}

case "$CASE" in
eltwise)
  quantise_and_run op_eltwise eltwise-fix,pool-fix 0.9 20 mul=2 add=2 _other=3 ;;
concat)
  quantise_and_run op_concat concat-fix 0.9 20 concat=3 ;;
pad)
  quantise_and_run op_pad pad-fix 0.9 20 pad=3 ;;
hostile)
  refused bad_add_broadcast "does not broadcast into the activation"
  refused bad_mul_tensors "Mul inputs must have the same shape"
  refused bad_concat_batch "(the batch) is not supported"
  refused bad_pad_edge "with pads above 1 has no pad-fix equivalent"
  refused bad_pad_value "pad-fix pads with 0 only"
  ;;
*) echo "unknown case $CASE"; exit 2 ;;
esac
echo "$fails failure(s)"
[[ $fails -eq 0 ]]
