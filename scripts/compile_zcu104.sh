#!/usr/bin/env bash
# Compiles a quantised xmodel for the ZCU104 DPU (DPUCZDX8G, B4096) with the
# Vitis AI compiler, then checks the DPU name and fingerprint it targets
# against the board.
#
#   scripts/compile_zcu104.sh [--arch ARCH_JSON] [--name NAME] [--out OUTDIR]
#                             [--vai-release 2.5|3.0] [--fingerprint 0xHEX]
#                             MODEL_int.xmodel
#
# MODEL_int.xmodel is the quantiser-format xmodel (float ops + fix ops, no DPU
# subgraphs yet): ours from signdpu-quantize, or vai_q_*'s. The output is
# named from it: foo_int.xmodel -> OUTDIR/foo.xmodel, net name foo (--name
# overrides). Runs only inside the Vitis AI docker of the board's release
# (vai_c_xir on PATH, the board arch.json under /opt/vitis_ai/compiler/arch);
# outside it the script names what is missing.
#
# Defaults: --arch $VAI_ARCH_JSON or
#   /opt/vitis_ai/compiler/arch/DPUCZDX8G/ZCU104/arch.json, --out compiled_zcu104,
#   --vai-release 2.5 (the board image Debian's VART 2.5 matches).
# The board's expected DPU: the arch.json's "target" (the docker's file names
# only the target, e.g. DPUCZDX8G_ISA1_B4096) or, for a board-specific
# arch.json, its "fingerprint". The fingerprint of a target is target-factory's
# for the release (targets/DPUCZDX8G_ISA1_B4096.prototxt line 18 of each tag):
#   DPUCZDX8G_ISA1_B4096  Vitis AI 2.5: 0x101000016010407  3.0: 0x101000056010407
# --fingerprint gives the board's value directly (`xdputil query` on the board).
# The compiled DPU subgraphs must carry that name and fingerprint: VART's DPU
# runner aborts on the first frame otherwise (docs/xmodel.md).
#
# Output: OUTDIR/NAME.xmodel (with vai_c_xir's meta.json and md5sum.txt);
# install it with scripts/deploy.sh --model (docs/board-quickstart.md).
#
# Exit codes: 0 compiled; 2 usage or unreadable model; 3 not in the Vitis AI
# environment (a command or the arch.json is missing); 4 vai_c_xir failed;
# 5 the output has no DPU subgraph, or its DPU name or fingerprint is not the
# board's.
set -euo pipefail

ARCH_JSON="${VAI_ARCH_JSON:-/opt/vitis_ai/compiler/arch/DPUCZDX8G/ZCU104/arch.json}"
NAME=""
OUTDIR=compiled_zcu104
MODEL=""
RELEASE=2.5
FINGERPRINT=""

usage() { sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//'; }
die() { local code="$1"; shift; echo "compile_zcu104: $*" >&2; exit "$code"; }

while (($#)); do
  case "$1" in
    --arch) ARCH_JSON="${2:-}"; shift 2 ;;
    --name) NAME="${2:-}"; shift 2 ;;
    --out) OUTDIR="${2:-}"; shift 2 ;;
    --vai-release) RELEASE="${2:-}"; shift 2 ;;
    --fingerprint) FINGERPRINT="${2:-}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "compile_zcu104: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    *) [[ -z "$MODEL" ]] || die 2 "only one model, got '$MODEL' and '$1'"; MODEL="$1"; shift ;;
  esac
done
[[ -n "$MODEL" ]] || { usage >&2; die 2 "no MODEL_int.xmodel given"; }
if [[ -z "$NAME" ]]; then
  NAME="${MODEL##*/}"
  NAME="${NAME%.xmodel}"
  NAME="${NAME%_int}"
fi
[[ "$NAME" =~ ^[A-Za-z0-9_.-]+$ ]] || die 2 "net name '$NAME' (from --name or the model's file name): use letters, digits, '_', '.', '-'"
case "$RELEASE" in 2.5|3.0) ;; *) die 2 "--vai-release '$RELEASE': 2.5 or 3.0" ;; esac
[[ -z "$FINGERPRINT" || "$FINGERPRINT" =~ ^0[xX][0-9A-Fa-f]{1,16}$ ]] || die 2 "--fingerprint '$FINGERPRINT': expected a hex number such as 0x101000016010407"

# ---- the Vitis AI environment: report everything that is missing at once ----
missing=()
if ! command -v vai_c_xir >/dev/null; then
  missing+=("command 'vai_c_xir' (the Vitis AI compiler) is not on PATH")
fi
if [[ ! -r "$ARCH_JSON" ]]; then
  missing+=("file '$ARCH_JSON' (the ZCU104 DPUCZDX8G B4096 arch.json; set --arch or VAI_ARCH_JSON)")
fi
INSPECT=""
if command -v xir >/dev/null; then
  INSPECT=xir
elif command -v xdputil >/dev/null; then
  INSPECT=xdputil
else
  missing+=("command 'xir' or 'xdputil' (to read the compiled model's DPU name and fingerprint)")
fi
if ((${#missing[@]})); then
  {
    echo "compile_zcu104: not in the Vitis AI environment; missing:"
    for m in "${missing[@]}"; do echo "  - $m"; done
    echo "Run inside the Vitis AI $RELEASE docker (docs/board-quickstart.md: ./docker_run.sh xilinx/vitis-ai-cpu:2.5"
    echo "from a Vitis-AI v2.5 checkout, then 'conda activate vitis-ai-tensorflow2' or another vitis-ai-* env),"
    echo "where vai_c_xir and /opt/vitis_ai/compiler/arch/DPUCZDX8G/ZCU104/arch.json are installed."
  } >&2
  exit 3
fi

[[ -r "$MODEL" ]] || die 2 "cannot read model '$MODEL'"

# Fingerprint as a canonical lower-case hex number without leading zeros.
canonical_hex() { local h="${1#0[xX]}"; h="$(tr 'A-F' 'a-f' <<<"$h" | sed 's/^0*//')"; echo "0x${h:-0}"; }

# target-factory's fingerprint of a target in a Vitis AI release: isa_version
# << 48 | feature_code from targets/<TARGET>.prototxt (v2.5:
# src/Vitis-AI-Runtime/VART/target_factory/targets/, v3.0:
# src/vai_runtime/target_factory/targets/). The ZCU104 DPU only; ctest
# deploy_target_fingerprint checks the 2.5 value against Debian's
# libtarget-factory 2.5.
target_fingerprint() {  # TARGET RELEASE
  case "$1/$2" in
    DPUCZDX8G_ISA1_B4096/2.5) echo 0x101000016010407 ;;
    DPUCZDX8G_ISA1_B4096/3.0) echo 0x101000056010407 ;;  # + save-engine argmax (bit 30)
    *) echo "" ;;
  esac
}

arch_fingerprint="$(grep -oE '"fingerprint"[[:space:]]*:[[:space:]]*"[^"]*"' "$ARCH_JSON" | head -n1 | sed -E 's/.*"([^"]*)"$/\1/' || true)"
arch_target="$(grep -oE '"target"[[:space:]]*:[[:space:]]*"[^"]*"' "$ARCH_JSON" | head -n1 | sed -E 's/.*"([^"]*)"$/\1/' || true)"
[[ -n "$arch_fingerprint" || -n "$arch_target" ]] ||
  die 3 "'$ARCH_JSON' names neither a \"fingerprint\" nor a \"target\""

# What the board expects.
want_name="${arch_target:-}"
if [[ -n "$FINGERPRINT" ]]; then
  want_fp="$(canonical_hex "$FINGERPRINT")"; want_from="--fingerprint"
elif [[ -n "$arch_fingerprint" ]]; then
  want_fp="$(canonical_hex "$arch_fingerprint")"; want_from="arch.json fingerprint"
else
  want_fp="$(target_fingerprint "$arch_target" "$RELEASE")"
  [[ -n "$want_fp" ]] || die 2 "no known fingerprint for target '$arch_target' in Vitis AI $RELEASE; pass the board's --fingerprint (xdputil query on the board)"
  want_from="target-factory $RELEASE for $arch_target"
fi

mkdir -p "$OUTDIR"
echo "compile_zcu104: vai_c_xir -x $MODEL -a $ARCH_JSON -o $OUTDIR -n $NAME" >&2
if ! vai_c_xir -x "$MODEL" -a "$ARCH_JSON" -o "$OUTDIR" -n "$NAME"; then
  die 4 "vai_c_xir failed on '$MODEL' (see its log above)"
fi
compiled="$OUTDIR/$NAME.xmodel"
[[ -s "$compiled" ]] || die 4 "vai_c_xir reported success but wrote no '$compiled'"

# ---- what the compiled model targets -----------------------------------------
# `xir subgraph` lists each subgraph as
#   subgraph_x [device=DPU,fingerprint=0x101000016010407,DPU=DPUCZDX8G_ISA1_B4096,...]
# `xdputil xmodel -l` prints JSON with "fingerprint" and "name"/"DPU Arch".
listing="$OUTDIR/$NAME.subgraphs.txt"
case "$INSPECT" in
  xir) (xir subgraph "$compiled" >"$listing" 2>/dev/null; exit $?) 2>/dev/null || die 5 "'xir subgraph $compiled' failed" ;;
  xdputil) (xdputil xmodel -l "$compiled" >"$listing" 2>/dev/null; exit $?) 2>/dev/null || die 5 "'xdputil xmodel -l $compiled' failed" ;;
esac

fingerprints="$(grep -oE 'fingerprint"?[=:][[:space:]]*"?0x[0-9A-Fa-f]+' "$listing" |
  grep -oE '0x[0-9A-Fa-f]+' | sort -u || true)"
dpu_names="$(grep -oE 'DPU( Arch)?"?[=:][[:space:]]*"?DPU[A-Z0-9]+_[A-Za-z0-9_]+' "$listing" |
  grep -oE 'DPU[A-Z0-9]+_[A-Za-z0-9_]+' | sort -u || true)"
dpu_subgraphs="$(grep -cE 'device=DPU|"device"[[:space:]]*:[[:space:]]*"DPU"' "$listing" || true)"

[[ -n "$fingerprints" ]] || die 5 "'$compiled' has no DPU subgraph (nothing runs on the DPU); listing in $listing"

echo "compiled model:   $compiled"
echo "DPU subgraphs:    ${dpu_subgraphs:-?}"
echo "DPU name:         $(tr '\n' ' ' <<<"${dpu_names:-unknown}" | sed 's/ $//')"
echo "DPU fingerprint:  $(tr '\n' ' ' <<<"$fingerprints" | sed 's/ $//')"
echo "board expects:    ${want_name:-any DPU name}, fingerprint $want_fp ($want_from)"

if [[ -n "$want_name" ]]; then
  while read -r n; do
    [[ -z "$n" ]] && continue
    [[ "$n" == "$want_name" ]] || die 5 "'$compiled' targets DPU $n, the board's arch.json names $want_name"
  done <<<"${dpu_names:-unknown}"
fi
while read -r fp; do
  [[ -z "$fp" ]] && continue
  if [[ "$(canonical_hex "$fp")" != "$want_fp" ]]; then
    die 5 "'$compiled' carries DPU fingerprint $fp, the board has $want_fp ($want_from): compile in the Vitis AI docker of the board image's release (--vai-release) or pass the board's --fingerprint"
  fi
done <<<"$fingerprints"
if [[ "${dpu_subgraphs:-0}" != 1 ]]; then
  echo "compile_zcu104: warning: $dpu_subgraphs DPU subgraphs; signdpu runs models with exactly one (scripts/deploy.sh refuses others)" >&2
fi
echo "compile_zcu104: ok; deploy with scripts/deploy.sh --model $compiled"
