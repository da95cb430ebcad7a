#!/usr/bin/env bash
# Checks, then copies to a board over ssh/scp, what the service runs: the app,
# the libraries it loads, the model and its labels, the config, the systemd
# unit and the sysusers file; then (re)starts signdpu.service.
#
#   scripts/deploy.sh --host USER@BOARD --model MODEL.xmodel [--app BIN]
#                     [--labels FILE] [--config FILE] [--unit FILE]
#                     [--sysusers FILE] [--media LIB] [--plugin LIB]
#                     [--fingerprint 0xHEX] [--port N] [--identity KEY]
#                     [--force-config] [--no-restart] [--dry-run]
#
# --model  the board model, compiled by vai_c_xir (scripts/compile_zcu104.sh);
#          installed as /usr/share/signdpu/models/signdpu_zcu104.xmodel, the
#          path the default config names.
# --app    the aarch64 signdpu executable (default: build-zcu104/bin/signdpu,
#          the SDK cross build of docs/deployment.md).
# --media  the media library the app dlopens for --camera/--video/--display
#          (default: libsigndpu-media.so in the lib folder next to the app's
#          bin folder); installed to /usr/lib.
# --plugin the emulator runner plugin, installed to /usr/lib. Shipped by
#          default (from the same lib folder) when the app links it (ELF
#          DT_NEEDED) or the config's SIGNDPU_MODE is ref or auto.
# --fingerprint the board's DPU fingerprint (default 0x101000016010407:
#          DPUCZDX8G_ISA1_B4096 on the Vitis AI 2.5 ZCU104 image; the Vitis AI
#          3.0 image has 0x101000056010407; docs/xmodel.md).
# --config is installed only when the board has no /etc/signdpu/signdpu.conf
#          yet, so local edits survive; --force-config overwrites it.
# --dry-run runs the checks, then prints every command, one per line, instead
#          of running it, and contacts nothing.
#
# Checks before anything is copied (the `xir` tool, Debian package
# libxir-utils, reads the model): the model has exactly one DPU subgraph and
# its dpu_fingerprint is the board's; in mode run (the config's SIGNDPU_MODE)
# it is a vai_c_xir output, not a host xmodel (no compiled DPU instructions
# `mc_code`, or a runner entry naming the signdpu emulator); the labels file
# has one line per class of the model's single output; the app and every
# library shipped are ELF64 aarch64.
#
# Files are staged in /tmp/signdpu-deploy on the board, then put in place with
# `install` (which replaces a running binary without "text file busy"). A
# USER other than root gets sudo on the board.
#
# Exit codes: 0 deployed (or dry run printed), 2 usage, missing local file or
# missing tool, 3 a file fails a check (one line names file and reason),
# 1 a remote command failed. Unverified here: no board is reachable.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# DPUCZDX8G_ISA1_B4096 as Vitis AI 2.5's target-factory describes it: isa_version
# 0x01, feature_code 0x000016010407 (v2.5 src/Vitis-AI-Runtime/VART/
# target_factory/targets/DPUCZDX8G_ISA1_B4096.prototxt:17-18).
VAI25_ZCU104_FINGERPRINT=0x101000016010407

HOST=""
MODEL=""
APP="$ROOT/build-zcu104/bin/signdpu"
LABELS="$ROOT/models/sign.labels.txt"
CONFIG="$ROOT/deploy/config/signdpu.conf"
UNIT="$ROOT/deploy/systemd/signdpu.service"
SYSUSERS="$ROOT/deploy/sysusers.d/signdpu.conf"
MEDIA=""
PLUGIN=""
FINGERPRINT="$VAI25_ZCU104_FINGERPRINT"
PORT=""
IDENTITY=""
FORCE_CONFIG=0
RESTART=1
DRY_RUN=0

usage() { sed -n '2,45p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "deploy: $*" >&2; exit 2; }
refuse() { echo "deploy: $*" >&2; exit 3; }

while (($#)); do
  case "$1" in
    --host) HOST="${2:-}"; shift 2 ;;
    --model) MODEL="${2:-}"; shift 2 ;;
    --app) APP="${2:-}"; shift 2 ;;
    --labels) LABELS="${2:-}"; shift 2 ;;
    --config) CONFIG="${2:-}"; shift 2 ;;
    --unit) UNIT="${2:-}"; shift 2 ;;
    --sysusers) SYSUSERS="${2:-}"; shift 2 ;;
    --media) MEDIA="${2:-}"; shift 2 ;;
    --plugin) PLUGIN="${2:-}"; shift 2 ;;
    --fingerprint) FINGERPRINT="${2:-}"; shift 2 ;;
    --port) PORT="${2:-}"; shift 2 ;;
    --identity) IDENTITY="${2:-}"; shift 2 ;;
    --force-config) FORCE_CONFIG=1; shift ;;
    --no-restart) RESTART=0; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done

[[ -n "$HOST" ]] || die "--host USER@BOARD is required"
[[ "$HOST" =~ ^([A-Za-z0-9._-]+@)?[A-Za-z0-9._:-]+$ ]] || die "--host '$HOST': expected USER@HOST or HOST"
[[ -n "$MODEL" ]] || die "--model MODEL.xmodel is required (the vai_c_xir output)"
[[ -z "$PORT" || "$PORT" =~ ^[0-9]+$ ]] || die "--port '$PORT' is not a number"
[[ "$FINGERPRINT" =~ ^0[xX][0-9A-Fa-f]{1,16}$ ]] || die "--fingerprint '$FINGERPRINT': expected a hex number such as $VAI25_ZCU104_FINGERPRINT"

# Fingerprint as a canonical lower-case hex number without leading zeros.
canonical_hex() { local h="${1#0[xX]}"; h="$(tr 'A-F' 'a-f' <<<"$h" | sed 's/^0*//')"; echo "0x${h:-0}"; }
FINGERPRINT="$(canonical_hex "$FINGERPRINT")"

# ---- which libraries the app needs ------------------------------------------
APP_LIB_DIR="$(cd "$(dirname "$APP")/.." 2>/dev/null && pwd || echo "$(dirname "$APP")/..")/lib"
[[ -n "$MEDIA" ]] || MEDIA="$APP_LIB_DIR/libsigndpu-media.so"
# SIGNDPU_MODE of the config that is shipped (the unit's default is run).
MODE="$(sed -nE 's/^[[:space:]]*SIGNDPU_MODE[[:space:]]*=[[:space:]]*"?([a-z]+)"?[[:space:]]*$/\1/p' "$CONFIG" 2>/dev/null | tail -n1)"
MODE="${MODE:-run}"
app_needed() {  # DT_NEEDED entries of the app (empty if unreadable)
  [[ -f "$APP" ]] || return 0
  if command -v readelf >/dev/null; then
    LC_ALL=C readelf -d "$APP" 2>/dev/null | sed -nE 's/.*\(NEEDED\).*\[(.*)\]$/\1/p' || true
  elif grep -qa 'libvart-signdpu-emu-runner\.so' "$APP"; then
    # No binutils: the name in the binary's strings (.dynstr when linked) is
    # enough to ship the plugin; shipping it needlessly does no harm.
    echo libvart-signdpu-emu-runner.so
  fi
}
NEEDED="$(app_needed)"
if [[ -z "$PLUGIN" ]] && { grep -qx 'libvart-signdpu-emu-runner.so' <<<"$NEEDED" || [[ "$MODE" != run ]]; }; then
  PLUGIN="$APP_LIB_DIR/libvart-signdpu-emu-runner.so"
fi

files=("app:$APP" "media library:$MEDIA" "model:$MODEL" "labels:$LABELS" "config:$CONFIG" "unit:$UNIT" "sysusers file:$SYSUSERS")
[[ -n "$PLUGIN" ]] && files+=("plugin:$PLUGIN")
for entry in "${files[@]}"; do
  what="${entry%%:*}" path="${entry#*:}"
  if [[ ! -f "$path" ]]; then
    if ((DRY_RUN)); then
      echo "deploy: warning: $what '$path' does not exist (dry run continues)" >&2
    else
      die "$what '$path' does not exist"
    fi
  fi
done

# ---- checks ----------------------------------------------------------------
# check_aarch64 WHAT PATH: ELF64 little-endian with e_machine EM_AARCH64 (183).
check_aarch64() {
  local what="$1" path="$2" magic class data machine
  [[ -f "$path" ]] || return 0
  magic="$(od -An -tx1 -N4 "$path" 2>/dev/null | tr -d ' \n')"
  [[ "$magic" == 7f454c46 ]] || refuse "$what '$path' is not an ELF file; the board needs an aarch64 build (docs/deployment.md section 4)"
  class="$(od -An -tu1 -j4 -N1 "$path" | tr -d ' ')"
  data="$(od -An -tu1 -j5 -N1 "$path" | tr -d ' ')"
  [[ "$class" == 2 && "$data" == 1 ]] || refuse "$what '$path' is not a 64-bit little-endian ELF file; the board needs aarch64"
  machine="$(od -An -tu1 -j18 -N2 "$path" | awk '{print $1 + 256 * $2}')"
  if [[ "$machine" != 183 ]]; then
    local arch="e_machine $machine"
    case "$machine" in 62) arch="x86-64 (e_machine 62)" ;; 40) arch="32-bit ARM (e_machine 40)" ;; esac
    refuse "$what '$path' is built for $arch, the board needs aarch64 (e_machine 183): cross-build it (docs/deployment.md section 4)"
  fi
}

# The model, read with `xir subgraph` (DPU subgraphs with fingerprint and name)
# and `xir dump_txt` (attributes and ops). XIR aborts on a bad file; that is
# an exit status here.
check_model() {
  [[ -f "$MODEL" ]] || return 0
  command -v xir >/dev/null ||
    die "checking '$MODEL' needs the 'xir' command (Debian: apt-get install libxir-utils; it is in the Vitis AI docker)"
  local tmpd listing txt
  tmpd="$(mktemp -d)"
  listing="$tmpd/subgraphs.txt" txt="$tmpd/model.txt"
  # (...; exit $?): a subshell of its own, so the shell's "Aborted" note goes to /dev/null too.
  if ! (xir subgraph "$MODEL" >"$listing" 2>/dev/null; exit $?) 2>/dev/null ||
     ! (xir dump_txt "$MODEL" "$txt" >/dev/null 2>&1; exit $?) 2>/dev/null; then
    rm -rf "$tmpd"; refuse "model '$MODEL': XIR cannot read it (not an xmodel, or damaged)"
  fi
  # Top-level subgraphs only (4 spaces of indentation under root).
  local dpu_lines n_dpu
  dpu_lines="$(grep -E '^    [^ ].*\[device=DPU' "$listing" || true)"
  n_dpu="$(grep -c . <<<"$dpu_lines" || true)"
  # A host xmodel: written by signdpu-quantize for the emulator. Xilinx's
  # compiler puts the DPU instructions in the subgraph attribute mc_code
  # (v2.5 dpu-runner src/dpu_kernel.cpp reads it) and never names our plugin.
  local n_mc emu_refs
  n_mc="$(grep -cx '      key: "mc_code"' "$txt" || true)"
  emu_refs="$(grep -c 'libvart-signdpu-emu-runner\.so' "$txt" || true)"
  if [[ "$MODE" == run ]] && ((n_dpu > 0)) && ((emu_refs > 0 || n_mc < n_dpu)); then
    rm -rf "$tmpd"
    refuse "model '$MODEL' is a host xmodel (runner names the signdpu emulator, no compiled DPU instructions): mode run needs the vai_c_xir output (scripts/compile_zcu104.sh)"
  fi
  local sg fp name
  while IFS= read -r line; do
    [[ -z "$line" ]] && continue
    sg="$(sed -E 's/^ +([^ ]+) \[.*/\1/' <<<"$line")"
    fp="$(grep -oE 'fingerprint=0x[0-9A-Fa-f]+' <<<"$line" | cut -d= -f2 || true)"
    name="$(grep -oE 'DPU=[A-Za-z0-9_]+' <<<"$line" | cut -d= -f2 || true)"
    if [[ -z "$fp" || "$(canonical_hex "$fp")" != "$FINGERPRINT" ]]; then
      rm -rf "$tmpd"
      refuse "model '$MODEL': DPU subgraph $sg (${name:-no DPU name}) has fingerprint ${fp:-none}, the board has $FINGERPRINT: recompile with the board's Vitis AI release (2.5 for the Vitis AI 2.5 image) or pass the board's --fingerprint"
    fi
  done <<<"$dpu_lines"
  if ((n_dpu != 1)); then
    rm -rf "$tmpd"
    refuse "model '$MODEL' has $n_dpu DPU subgraphs; signdpu runs models with exactly one (CPU ops between DPU parts are not run by the app)"
  fi
  # The graph's outputs: ops no other op reads (constants and inputs aside).
  local sinks
  sinks="$(awk '
    /^op_node \{$/ { inop = 1; name = ""; type = ""; dims = ""; intensor = 0; next }
    inop && /^\}$/ { inop = 0; names[++n] = name; types[name] = type; shape[name] = dims; next }
    inop && /^  op_name: "/ { s = $0; sub(/^  op_name: "/, "", s); sub(/"$/, "", s); name = s; next }
    inop && /^  op_type: "/ { s = $0; sub(/^  op_type: "/, "", s); sub(/"$/, "", s); type = s; next }
    inop && /^    arg_ops: "/ { s = $0; sub(/^    arg_ops: "/, "", s); sub(/"$/, "", s); used[s] = 1; next }
    inop && /^  output_tensor \{$/ { intensor = 1; next }
    inop && intensor && /^  \}$/ { intensor = 0; next }
    inop && intensor && /^    tensor_dim: / { dims = (dims == "" ? $2 : dims "," $2); next }
    END {
      for (i = 1; i <= n; ++i) {
        nm = names[i]
        if (nm in used || types[nm] ~ /^(const|const-fix|data|data-fix)$/) continue
        c = 1; k = split(shape[nm], d, ",")
        for (j = 2; j <= k; ++j) c *= d[j]
        print c "|" nm
      }
    }' "$txt")"
  rm -rf "$tmpd"
  local n_out
  n_out="$(grep -c . <<<"$sinks" || true)"
  ((n_out == 1)) || refuse "model '$MODEL' has $n_out outputs; signdpu classifies with exactly one"
  MODEL_CLASSES="${sinks%%|*}"
  MODEL_OUTPUT="${sinks#*|}"
}

# Lines of a labels file as the app counts them (io::ReadLabelsFile): one per
# '\n', a last line without '\n' counts, trailing empty lines do not.
count_labels() {
  awk '{ sub(/\r$/, ""); a[NR] = $0 } END { n = NR; while (n > 0 && a[n] == "") n--; print n }' "$1"
}

MODEL_CLASSES=""
MODEL_OUTPUT=""
check_aarch64 app "$APP"
check_aarch64 "media library" "$MEDIA"
[[ -n "$PLUGIN" ]] && check_aarch64 plugin "$PLUGIN"
check_model
if [[ -n "$MODEL_CLASSES" && -f "$LABELS" ]]; then
  n_labels="$(count_labels "$LABELS")"
  [[ "$n_labels" == "$MODEL_CLASSES" ]] ||
    refuse "labels '$LABELS' has $n_labels lines, model '$MODEL' has $MODEL_CLASSES classes (output $MODEL_OUTPUT): give the model's labels with --labels"
fi
if ((DRY_RUN)); then
  echo "deploy: checks passed: ${MODEL_CLASSES:-?} classes, fingerprint $FINGERPRINT, mode $MODE, aarch64 binaries" >&2
fi

# ---- copy and install -------------------------------------------------------
SSH=(ssh)
SCP=(scp)
if [[ -n "$PORT" ]]; then SSH+=(-p "$PORT"); SCP+=(-P "$PORT"); fi
if [[ -n "$IDENTITY" ]]; then SSH+=(-i "$IDENTITY"); SCP+=(-i "$IDENTITY"); fi

SUDO=""
[[ "$HOST" == root@* ]] || SUDO="sudo "

STAGE=/tmp/signdpu-deploy
BIN_DIR=/usr/bin
LIB_DIR=/usr/lib
DATA_DIR=/usr/share/signdpu
CONF_DIR=/etc/signdpu
UNIT_DIR=/lib/systemd/system
SYSUSERS_DIR=/usr/lib/sysusers.d

# Prints an argument list so that it can be pasted into a shell.
quote_command() {
  local out="" arg
  for arg in "$@"; do
    if [[ "$arg" =~ ^[A-Za-z0-9_./:@=,+%-]+$ ]]; then
      out+="$arg "
    else
      out+="'${arg//\'/\'\\\'\'}' "
    fi
  done
  printf '%s\n' "${out% }"
}

run() {
  if ((DRY_RUN)); then
    quote_command "$@"
  else
    echo "deploy: $(quote_command "$@")" >&2
    "$@" || { echo "deploy: failed: $(quote_command "$@")" >&2; exit 1; }
  fi
}

((DRY_RUN)) && echo "deploy: dry run; these commands would run (nothing is contacted):" >&2

MEDIA_NAME=libsigndpu-media.so
PLUGIN_NAME="$(basename "${PLUGIN:-none}")"
run "${SSH[@]}" "$HOST" "rm -rf $STAGE && mkdir -p $STAGE"
run "${SCP[@]}" "$APP" "$HOST:$STAGE/signdpu"
run "${SCP[@]}" "$MEDIA" "$HOST:$STAGE/$MEDIA_NAME"
[[ -n "$PLUGIN" ]] && run "${SCP[@]}" "$PLUGIN" "$HOST:$STAGE/$PLUGIN_NAME"
run "${SCP[@]}" "$MODEL" "$HOST:$STAGE/signdpu_zcu104.xmodel"
run "${SCP[@]}" "$LABELS" "$HOST:$STAGE/labels.txt"
run "${SCP[@]}" "$CONFIG" "$HOST:$STAGE/signdpu.conf"
run "${SCP[@]}" "$UNIT" "$HOST:$STAGE/signdpu.service"
run "${SCP[@]}" "$SYSUSERS" "$HOST:$STAGE/sysusers-signdpu.conf"

install_cmds="install -D -m 0755 $STAGE/signdpu $BIN_DIR/signdpu"
install_cmds+=" && install -D -m 0644 $STAGE/$MEDIA_NAME $LIB_DIR/$MEDIA_NAME"
if [[ -n "$PLUGIN" ]]; then
  install_cmds+=" && install -D -m 0644 $STAGE/$PLUGIN_NAME $LIB_DIR/$PLUGIN_NAME"
fi
install_cmds+=" && install -D -m 0644 $STAGE/signdpu_zcu104.xmodel $DATA_DIR/models/signdpu_zcu104.xmodel"
install_cmds+=" && install -D -m 0644 $STAGE/labels.txt $DATA_DIR/labels.txt"
install_cmds+=" && install -D -m 0644 $STAGE/signdpu.service $UNIT_DIR/signdpu.service"
install_cmds+=" && install -D -m 0644 $STAGE/sysusers-signdpu.conf $SYSUSERS_DIR/signdpu.conf"
if ((FORCE_CONFIG)); then
  install_cmds+=" && install -D -m 0644 $STAGE/signdpu.conf $CONF_DIR/signdpu.conf"
else
  install_cmds+=" && { test -e $CONF_DIR/signdpu.conf || install -D -m 0644 $STAGE/signdpu.conf $CONF_DIR/signdpu.conf; }"
fi
# The groups video and render must exist before the unit starts (216/GROUP);
# at boot systemd-sysusers.service creates them, after a copy we run it.
install_cmds+=" && systemd-sysusers $SYSUSERS_DIR/signdpu.conf"
install_cmds+=" && rm -rf $STAGE"
run "${SSH[@]}" "$HOST" "${SUDO}sh -c \"$install_cmds\""

run "${SSH[@]}" "$HOST" "${SUDO}systemctl daemon-reload"
if ((RESTART)); then
  # Type=notify: restart returns only after READY=1 (or fails on a timeout
  # or an early exit), so its exit status says whether the app came up.
  run "${SSH[@]}" "$HOST" "${SUDO}systemctl enable signdpu && ${SUDO}systemctl restart signdpu"
  run "${SSH[@]}" "$HOST" "systemctl --no-pager --lines=20 status signdpu"
fi
((DRY_RUN)) || echo "deploy: done; follow the log with: ${SSH[*]} $HOST journalctl -fu signdpu" >&2
exit 0
