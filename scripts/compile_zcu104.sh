#!/usr/bin/env bash
# Compiles a quantised xmodel for the ZCU104 DPU (DPUCZDX8G, B4096) with the
# Vitis AI compiler, then prints the DPU name and fingerprint it targets.
#
#   scripts/compile_zcu104.sh [--arch ARCH_JSON] [--name NAME] [--out OUTDIR] MODEL_int.xmodel
#
# MODEL_int.xmodel is the quantiser-format xmodel (every op a *-fix op, no
# DPU subgraphs yet): ours from the quantiser, or vai_q_*'s deploy model.
# Runs only inside the Vitis AI 2.5 docker (vai_c_xir on PATH, the board
# arch.json under /opt/vitis_ai/compiler/arch); it is not available on the
# development machines here. Outside it the script names what is missing.
#
# Defaults: --arch $VAI_ARCH_JSON or
#   /opt/vitis_ai/compiler/arch/DPUCZDX8G/ZCU104/arch.json
#   --name signdpu_zcu104, --out compiled_zcu104
# Output: OUTDIR/NAME.xmodel (with vai_c_xir's meta.json and md5sum.txt) —
# install it as /usr/share/signdpu/models/signdpu_zcu104.xmodel on the board
# (docs/deployment.md). The arch.json's fingerprint must equal the one the
# compiled DPU subgraphs carry, and both must match the board's bitstream.
#
# Exit codes: 0 compiled; 2 usage or unreadable model; 3 not in the Vitis AI
# environment (a command or the arch.json is missing); 4 vai_c_xir failed;
# 5 the output has no DPU subgraph or its fingerprint differs from arch.json's.
set -euo pipefail

ARCH_JSON="${VAI_ARCH_JSON:-/opt/vitis_ai/compiler/arch/DPUCZDX8G/ZCU104/arch.json}"
NAME=signdpu_zcu104
OUTDIR=compiled_zcu104
MODEL=""

usage() { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; }
die() { local code="$1"; shift; echo "compile_zcu104: $*" >&2; exit "$code"; }

while (($#)); do
  case "$1" in
    --arch) ARCH_JSON="$2"; shift 2 ;;
    --name) NAME="$2"; shift 2 ;;
    --out) OUTDIR="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "compile_zcu104: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    *) [[ -z "$MODEL" ]] || die 2 "only one model, got '$MODEL' and '$1'"; MODEL="$1"; shift ;;
  esac
done
[[ -n "$MODEL" ]] || { usage >&2; die 2 "no MODEL_int.xmodel given"; }
[[ "$NAME" =~ ^[A-Za-z0-9_.-]+$ ]] || die 2 "--name '$NAME': use letters, digits, '_', '.', '-'"

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
    echo "Run inside the Vitis AI 2.5 docker (e.g. docker run -it -v \$PWD:/workspace xilinx/vitis-ai-cpu:2.5,"
    echo "then 'conda activate vitis-ai-pytorch' or another vitis-ai-* env), where vai_c_xir and"
    echo "/opt/vitis_ai/compiler/arch/DPUCZDX8G/ZCU104/arch.json are installed."
  } >&2
  exit 3
fi

[[ -r "$MODEL" ]] || die 2 "cannot read model '$MODEL'"

# Fingerprint as a canonical lower-case hex number without 0x or leading zeros.
canonical_hex() { local h="${1#0x}"; h="${h#0X}"; h="$(tr 'A-F' 'a-f' <<<"$h" | sed 's/^0*//')"; echo "0x${h:-0}"; }

arch_fingerprint="$(grep -oE '"fingerprint"[[:space:]]*:[[:space:]]*"[^"]*"' "$ARCH_JSON" | head -n1 | sed -E 's/.*"([^"]*)"$/\1/' || true)"
arch_target="$(grep -oE '"target"[[:space:]]*:[[:space:]]*"[^"]*"' "$ARCH_JSON" | head -n1 | sed -E 's/.*"([^"]*)"$/\1/' || true)"
[[ -n "$arch_fingerprint" || -n "$arch_target" ]] ||
  die 3 "'$ARCH_JSON' names neither a \"fingerprint\" nor a \"target\""

mkdir -p "$OUTDIR"
echo "compile_zcu104: vai_c_xir -x $MODEL -a $ARCH_JSON -o $OUTDIR -n $NAME" >&2
if ! vai_c_xir -x "$MODEL" -a "$ARCH_JSON" -o "$OUTDIR" -n "$NAME"; then
  die 4 "vai_c_xir failed on '$MODEL' (see its log above)"
fi
compiled="$OUTDIR/$NAME.xmodel"
[[ -s "$compiled" ]] || die 4 "vai_c_xir reported success but wrote no '$compiled'"

# ---- what the compiled model targets -----------------------------------------
# `xir subgraph` lists each subgraph as
#   subgraph_x [device=DPU,fingerprint=0x101000056010407,DPU=DPUCZDX8G_ISA1_B4096,...]
# `xdputil xmodel -l` prints JSON with "fingerprint" and "name"/"DPU Arch".
listing="$OUTDIR/$NAME.subgraphs.txt"
case "$INSPECT" in
  xir) xir subgraph "$compiled" >"$listing" 2>/dev/null || die 5 "'xir subgraph $compiled' failed" ;;
  xdputil) xdputil xmodel -l "$compiled" >"$listing" 2>/dev/null || die 5 "'xdputil xmodel -l $compiled' failed" ;;
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
echo "arch.json:        $ARCH_JSON (${arch_fingerprint:+fingerprint $arch_fingerprint}${arch_target:+target $arch_target})"

if [[ -n "$arch_fingerprint" ]]; then
  want="$(canonical_hex "$arch_fingerprint")"
  while read -r fp; do
    [[ -z "$fp" ]] && continue
    if [[ "$(canonical_hex "$fp")" != "$want" ]]; then
      die 5 "DPU fingerprint $fp of '$compiled' differs from arch.json's $arch_fingerprint"
    fi
  done <<<"$fingerprints"
fi
echo "compile_zcu104: ok; install $compiled as /usr/share/signdpu/models/signdpu_zcu104.xmodel"
