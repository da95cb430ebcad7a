#!/usr/bin/env bash
# signdpu on the Xilinx-compiled fixtures of tests/data/xmodels (README there):
# what a ZCU104 owner checks before copying a model to the board.
#   fixtures_e2e.sh CASE BIN_DIR SOURCE_DIR WORK_DIR [EMULATOR...]
# EMULATOR: a cross build's CMAKE_CROSSCOMPILING_EMULATOR (qemu-aarch64 -L SYSROOT).
# Cases:
#   inspect      `signdpu inspect` on each compiled fixture: number of DPU
#                subgraphs, DPU name and the fingerprint of its Vitis AI
#                release (2.5: 0x101000016010407, 3.0: 0x101000056010407;
#                target_factory DPUCZDX8G_ISA1_B4096.prototxt line 18 of each
#                tag, docs/xmodel.md "Versions and fingerprints").
#   dump_mnist   `signdpu dump --mode ref` on the Vitis AI 2.5 MNIST compile
#                runs both DPU subgraphs, and gives byte-identical outputs to
#                the 3.0 compile of the same model on the same input. The two
#                compiles carry the same int8 weights and biases (checked first,
#                by xmodel_weights_equal with ReadDpuSubgraph on both: every
#                conv's OHWI weights and bias; only the parameter blob layout
#                in reg_id_to_parameter_value differs), so equality is expected.
#   pointpillars `signdpu dump` on the 2.5 PointPillars compile runs both DPU
#                subgraphs (20 conv2d-fix, 3 transposed-conv2d-fix, pool-fix,
#                concat-fix) and writes their 4 output tensors.
#   inspect_against  `signdpu inspect FILE --against OTHER`: our compile of
#                vai_q_pytorch's voxelnet_quantized.xmodel, and that
#                quantiser-format file itself, against vai_c_xir 2.5's
#                compile: every DPU op (20 conv2d-fix, 3 transposed-conv2d-fix,
#                pool-fix, concat-fix) matched with equal output and input fix
#                points, the partition's DPU subgraphs paired; a corrupt
#                OTHER is one error line naming it, exit 1.
set -uo pipefail
CASE="$1"; BIN="$2"; SRC="$3"; WORK="$4"
EMU=("${@:5}")
signdpu() { "${EMU[@]}" "$BIN/signdpu" "$@"; }
X="$SRC/tests/data/xmodels"
SAMPLE="$SRC/tests/data/fashion_sample.csv"
W="$WORK/fixtures_$CASE"
rm -rf "$W"; mkdir -p "$W"
export GLOG_minloglevel=${GLOG_minloglevel:-1}

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

FP25=0x0101000016010407   # as `signdpu inspect` prints it (%016llx)
FP30=0x0101000056010407

# inspect_case FILE DPU_SUBGRAPHS FINGERPRINT
inspect_case() {
  local file="$1" want_n="$2" want_fp="$3" out rc
  out="$(signdpu inspect "$X/$file" 2>"$W/inspect.err")"; rc=$?
  printf '%s\n' "$out" > "$W/$file.inspect.txt"
  if [[ $rc -ne 0 ]]; then fail "$file: inspect exit $rc: $(cat "$W/inspect.err")"; return; fi
  local dpu_lines n names fps
  dpu_lines="$(grep -E '^subgraph .* device DPU( |$)' <<<"$out")"
  n="$(grep -c . <<<"$dpu_lines")"
  names="$(grep -oE 'dpu_name [A-Za-z0-9_]+' <<<"$dpu_lines" | sort -u | cut -d' ' -f2)"
  fps="$(grep -oE 'dpu_fingerprint 0x[0-9a-f]+' <<<"$dpu_lines" | sort -u | cut -d' ' -f2)"
  [[ "$n" == "$want_n" ]] && ok "$file: $n DPU subgraphs" || fail "$file: $n DPU subgraphs, expected $want_n"
  [[ "$names" == DPUCZDX8G_ISA1_B4096 ]] && ok "$file: dpu_name DPUCZDX8G_ISA1_B4096" ||
    fail "$file: dpu_name '$names', expected DPUCZDX8G_ISA1_B4096"
  [[ "$fps" == "$want_fp" ]] && ok "$file: every DPU subgraph has dpu_fingerprint $want_fp" ||
    fail "$file: dpu_fingerprint '$fps', expected $want_fp"
}

case "$CASE" in
inspect)
  inspect_case vai25_zcu104_mnist_custom_op.xmodel 2 "$FP25"
  inspect_case vai25_zcu104_pointpillars.xmodel 2 "$FP25"
  inspect_case zcu104_mnist_custom_op.xmodel 2 "$FP30"
  # The pair differs in exactly the fingerprint's save-engine argmax bit
  # (0x40000000, SV_AM in v3.0 create_target_DPUCZDX8G_ISA1.cpp:53).
  (( (FP25 ^ FP30) == 0x40000000 )) && ok "2.5 and 3.0 fingerprints differ in bit 30 only" ||
    fail "2.5/3.0 fingerprints differ in more than bit 30"
  ;;
dump_mnist)
  # Precondition of the comparison: the two compiles hold the same weights.
  "${EMU[@]}" "$BIN/xmodel_weights_equal" "$X/vai25_zcu104_mnist_custom_op.xmodel" "$X/zcu104_mnist_custom_op.xmodel" \
    > "$W/weights.txt" 2>&1
  rc=$?
  cat "$W/weights.txt"
  [[ $rc -eq 0 && $(grep -c ': equal$' "$W/weights.txt") -eq 4 ]] &&
    ok "the 2.5 and 3.0 compiles hold the same int8 weights and biases (4 convs)" ||
    fail "the 2.5 and 3.0 compiles' weights differ or cannot be read (exit $rc): identical dumps cannot be expected"
  for f in vai25_zcu104_mnist_custom_op zcu104_mnist_custom_op; do
    signdpu dump --model "$X/$f.xmodel" --csv "$SAMPLE" --limit 64 --mode ref --out "$W/$f" \
      > "$W/$f.txt" 2> "$W/$f.err"
    rc=$?
    cat "$W/$f.txt"
    [[ $rc -eq 0 ]] && ok "$f: dump --mode ref exits 0" || fail "$f: dump exit $rc: $(cat "$W/$f.err")"
  done
  a="$W/vai25_zcu104_mnist_custom_op"
  # Both DPU subgraphs ran: conv stack 64 x 2x2x64 bytes, dense 64 x 10 bytes.
  conv="$a/subgraph_quant_conv2d.quant_max_pooling2d_1_fix.bin"
  dense="$a/subgraph_quant_dense_TransferMatMulToConv2d_.quant_dense_sigmoid_sigmoid_fix.bin"
  [[ -f "$conv" && $(stat -c %s "$conv") -eq $((64 * 256)) ]] && ok "2.5 compile: DPU subgraph 1 wrote 64 x 256 bytes" ||
    fail "2.5 compile: DPU subgraph 1 output missing or wrong size"
  [[ -f "$dense" && $(stat -c %s "$dense") -eq $((64 * 10)) ]] && ok "2.5 compile: DPU subgraph 2 wrote 64 x 10 bytes" ||
    fail "2.5 compile: DPU subgraph 2 output missing or wrong size"
  # Not a degenerate output (all one value would compare equal for any model).
  values=$(od -An -v -tx1 "$conv" 2>/dev/null | tr -s ' ' '\n' | grep . | sort -u | wc -l)
  ((values >= 16)) && ok "conv stack output has $values distinct byte values" ||
    fail "conv stack output is degenerate ($values distinct values)"
  out="$(signdpu compare "$a" "$W/zcu104_mnist_custom_op" 2>&1)"; rc=$?
  echo "$out"
  [[ $rc -eq 0 ]] && grep -q '^all 2 tensors identical$' <<<"$out" &&
    ok "2.5 and 3.0 compiles: both DPU subgraphs' outputs identical on 64 CSV frames" ||
    fail "2.5 and 3.0 compiles differ (exit $rc)"
  ;;
pointpillars)
  # Input of the PFN subgraph: 12000 x 100 x 4 int8 per frame.
  head -c $((12000 * 100 * 4)) /dev/zero | tr '\0' '\3' > "$W/in.bin"
  signdpu dump --model "$X/vai25_zcu104_pointpillars.xmodel" --input-raw "$W/in.bin" --mode ref \
    --out "$W/out" > "$W/out.txt" 2> "$W/out.err"
  rc=$?
  cat "$W/out.txt" "$W/out.err"
  n=$(ls "$W/out"/*.bin 2>/dev/null | wc -l)
  ((rc == 0 && n == 4)) && ok "PointPillars runs: 4 output tensors of 2 DPU subgraphs (transposed-conv2d-fix included)" ||
    fail "PointPillars: exit $rc, $n output tensors (expected exit 0 and 1 PFN + 3 RPN)"
  ;;
compile_pointpillars)
  # signdpu compile of vai_q_pytorch's file, then the whole compiled model
  # through `signdpu dump`: the same 4 outputs, byte for byte, as the dump of
  # vai_c_xir's compile (the RPN's input is dump's seeded pseudo-random bytes
  # in both runs).
  head -c $((12000 * 100 * 4)) /dev/zero | tr '\0' '\3' > "$W/in.bin"
  signdpu compile "$X/voxelnet_quantized.xmodel" -o "$W/pp.xmodel" > "$W/compile.txt" 2>&1 || fail "compile"
  cat "$W/compile.txt"
  for f in vai25_zcu104_pointpillars "$W/pp"; do
    m="$f.xmodel"; [[ "$f" == /* ]] || m="$X/$f.xmodel"
    signdpu dump --model "$m" --input-raw "$W/in.bin" --mode ref --out "$W/dump_$(basename "$f")" > /dev/null 2>&1 ||
      fail "dump $(basename "$f")"
  done
  same=0
  for t in Conv2d_conv_box__486_fix Conv2d_conv_cls__496_fix Conv2d_conv_dir_cls__514_fix; do
    cmp -s "$W"/dump_vai25_zcu104_pointpillars/*"$t.bin" "$W"/dump_pp/*"$t.bin" && same=$((same + 1))
  done
  cmp -s "$W"/dump_vai25_zcu104_pointpillars/*Conv2d_conv__input_2*.bin "$W"/dump_pp/*Conv2d_conv__input_2*.bin &&
    same=$((same + 1))
  ((same == 4)) && ok "compiled PointPillars runs through dump; its 4 outputs equal vai_c_xir's compile" ||
    fail "only $same of 4 outputs equal"
  ;;
inspect_against)
  XIL="$X/vai25_zcu104_pointpillars.xmodel"
  signdpu compile "$X/voxelnet_quantized.xmodel" -o "$W/ours.xmodel" > /dev/null 2>&1 || fail "compile"
  for file in "$W/ours.xmodel" "$X/voxelnet_quantized.xmodel"; do
    name=$(basename "$file")
    out="$(signdpu inspect "$file" --against "$XIL" 2>"$W/against.err")"; rc=$?
    printf '%s\n' "$out" > "$W/$name.against.txt"
    [[ $rc -eq 0 ]] && ok "$name against vai_c_xir's compile: exit 0" || fail "$name: exit $rc: $(cat "$W/against.err")"
    last="$(tail -n 1 <<<"$out")"
    [[ "$last" == "25 matched, 25 equal fix points, 0 differing, 0 unmatched" ]] &&
      ok "$name: $last" || fail "$name: counts '$last', expected 25 matched, 25 equal, 0 differing, 0 unmatched"
    rows=$(grep -cE '^= ' <<<"$out")
    marked=$(grep -cE '^[!-] ' <<<"$out")
    ((rows == 25 && marked == 0)) && ok "$name: 25 '=' rows, none marked" || fail "$name: $rows '=' rows, $marked marked"
    grep -qE '^= (concat|concat-fix) .*Cat_cat__input  out 4 \| 4  in 4,4,4 \| 4,4,4' <<<"$out" &&
      ok "$name: the concat's output and its 3 inputs at fix point 4 on both sides" || fail "$name: concat row"
    # Both DPU subgraphs of vai_c_xir's compile have a counterpart in FILE.
    paired=$(sed -n '/^other /,/^dpu ops/p' <<<"$out" | grep -E 'device DPU' | grep -vc 'other: none')
    ((paired == 2)) && ok "$name: both DPU subgraphs of vai_c_xir's compile paired with one of FILE" ||
      fail "$name: $paired of 2 DPU subgraphs paired"
  done
  grep -qE '^  subgraph 1 dpu_part_1  device DPU  ops 62  other: subgraph 4 subgraph_VoxelNet__VoxelNet_RPN_rpn__Cat_cat__input$' \
    "$W/voxelnet_quantized.xmodel.against.txt" && ok "quantiser file: the compile's partition, RPN part = vai_c_xir's subgraph 4" ||
    fail "quantiser file: RPN partition line"
  # Ops without a counterpart are counted, not hidden: MNIST 2.5 vs PointPillars
  # have no DPU op in common (the '!' marker of a differing fix point: inspect_against_test).
  out="$(signdpu inspect "$X/vai25_zcu104_mnist_custom_op.xmodel" --against "$XIL" 2>/dev/null)"; rc=$?
  last="$(tail -n 1 <<<"$out")"
  [[ $rc -eq 0 && "$last" == "0 matched, 0 equal fix points, 0 differing, "* && "$last" != *" 0 unmatched" ]] &&
    ok "unrelated models: exit 0, nothing matched ($last)" || fail "unrelated models: exit $rc, '$last'"
  head -c 5000 "$XIL" > "$W/truncated.xmodel"
  head -c 4096 /dev/urandom > "$W/random.xmodel"
  for bad in truncated random; do
    signdpu inspect "$W/ours.xmodel" --against "$W/$bad.xmodel" > "$W/bad.out" 2> "$W/bad.err"; rc=$?
    lines=$(grep -c . "$W/bad.err")
    ((rc == 1 && lines == 1)) && grep -q "$bad.xmodel" "$W/bad.err" && ! [[ -s "$W/bad.out" ]] &&
      ok "corrupt OTHER ($bad): exit 1, one error line naming it: $(cat "$W/bad.err")" ||
      fail "corrupt OTHER ($bad): exit $rc, $lines stderr lines: $(cat "$W/bad.err")"
  done
  ;;
*) echo "usage: $0 inspect|dump_mnist|pointpillars|compile_pointpillars|inspect_against BIN_DIR SOURCE_DIR WORK_DIR"; exit 2 ;;
esac
((fails == 0)) && echo "all checks passed" || echo "$fails check(s) failed"
exit $((fails > 0))
