#!/usr/bin/env bash
# Copies the app, model, labels, config and systemd unit to a board over
# ssh/scp and (re)starts signdpu.service.
#
#   scripts/deploy.sh --host USER@BOARD --model MODEL.xmodel [--app BIN]
#                     [--labels FILE] [--config FILE] [--unit FILE]
#                     [--plugin LIB] [--port N] [--identity KEY]
#                     [--force-config] [--no-restart] [--dry-run]
#
# --model  the board model, compiled by vai_c_xir (scripts/compile_zcu104.sh);
#          installed as /usr/share/signdpu/models/signdpu_zcu104.xmodel, the
#          path the default config names.
# --app    the aarch64 signdpu executable (default: build-zcu104/bin/signdpu,
#          the SDK cross build of docs/deployment.md).
# --plugin the emulator runner plugin, only for SIGNDPU_MODE=emu (default:
#          none); installed to /usr/lib.
# --config is installed only when the board has no /etc/signdpu/signdpu.conf
#          yet, so local edits survive; --force-config overwrites it.
# --dry-run prints every command, one per line, instead of running it, and
#          contacts nothing.
# Files are staged in /tmp/signdpu-deploy on the board, then put in place with
# `install` (which replaces a running binary without "text file busy"). A
# USER other than root gets sudo on the board.
#
# Exit codes: 0 deployed (or dry run printed), 2 usage or missing local file,
# 1 a remote command failed. Unverified here: no board is reachable.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

HOST=""
MODEL=""
APP="$ROOT/build-zcu104/bin/signdpu"
LABELS="$ROOT/models/sign.labels.txt"
CONFIG="$ROOT/deploy/config/signdpu.conf"
UNIT="$ROOT/deploy/systemd/signdpu.service"
PLUGIN=""
PORT=""
IDENTITY=""
FORCE_CONFIG=0
RESTART=1
DRY_RUN=0

usage() { sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "deploy: $*" >&2; exit 2; }

while (($#)); do
  case "$1" in
    --host) HOST="${2:-}"; shift 2 ;;
    --model) MODEL="${2:-}"; shift 2 ;;
    --app) APP="${2:-}"; shift 2 ;;
    --labels) LABELS="${2:-}"; shift 2 ;;
    --config) CONFIG="${2:-}"; shift 2 ;;
    --unit) UNIT="${2:-}"; shift 2 ;;
    --plugin) PLUGIN="${2:-}"; shift 2 ;;
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

files=("app:$APP" "model:$MODEL" "labels:$LABELS" "config:$CONFIG" "unit:$UNIT")
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

run "${SSH[@]}" "$HOST" "rm -rf $STAGE && mkdir -p $STAGE"
run "${SCP[@]}" "$APP" "$HOST:$STAGE/signdpu"
run "${SCP[@]}" "$MODEL" "$HOST:$STAGE/signdpu_zcu104.xmodel"
run "${SCP[@]}" "$LABELS" "$HOST:$STAGE/labels.txt"
run "${SCP[@]}" "$CONFIG" "$HOST:$STAGE/signdpu.conf"
run "${SCP[@]}" "$UNIT" "$HOST:$STAGE/signdpu.service"
[[ -n "$PLUGIN" ]] && run "${SCP[@]}" "$PLUGIN" "$HOST:$STAGE/$(basename "$PLUGIN")"

install_cmds="install -D -m 0755 $STAGE/signdpu $BIN_DIR/signdpu"
install_cmds+=" && install -D -m 0644 $STAGE/signdpu_zcu104.xmodel $DATA_DIR/models/signdpu_zcu104.xmodel"
install_cmds+=" && install -D -m 0644 $STAGE/labels.txt $DATA_DIR/labels.txt"
install_cmds+=" && install -D -m 0644 $STAGE/signdpu.service $UNIT_DIR/signdpu.service"
if ((FORCE_CONFIG)); then
  install_cmds+=" && install -D -m 0644 $STAGE/signdpu.conf $CONF_DIR/signdpu.conf"
else
  install_cmds+=" && { test -e $CONF_DIR/signdpu.conf || install -D -m 0644 $STAGE/signdpu.conf $CONF_DIR/signdpu.conf; }"
fi
if [[ -n "$PLUGIN" ]]; then
  install_cmds+=" && install -D -m 0644 $STAGE/$(basename "$PLUGIN") $LIB_DIR/$(basename "$PLUGIN")"
fi
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
