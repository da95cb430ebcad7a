#!/usr/bin/env bash
# scripts/deploy.sh without a board.
#   deploy_dry_run_test.sh SOURCE_DIR BIN_DIR [XMODEL_RETAG]
# 1. What it refuses (exit 3, one line naming the file and the reason), built
#    from real bad inputs: a host xmodel from the quantiser for mode run, the
#    Vitis AI 3.0 fixture for the default (Vitis AI 2.5) board, the 2.5
#    fixture (two DPU subgraphs), a labels file with the wrong count, an x86
#    binary (the host build's own signdpu), a text file as the app.
#    Accepted for mode run: a vai_c_xir output with one DPU subgraph (the 2.5
#    fixture with its second DPU subgraph retagged CPU by XMODEL_RETAG); the
#    plugin is shipped exactly when the app's DT_NEEDED names it.
# 2. --dry-run on inputs that pass prints exactly the expected scp/ssh/
#    systemctl commands (app, media library, plugin, model, labels, config,
#    unit, sysusers) and runs neither ssh nor scp (stand-ins would record it).
# 3. A real run against the same stand-ins (which only record their argv and
#    contact nothing) executes the very commands the dry run printed.
# 4. Usage errors exit 2.
# The host is 'root@board.invalid': .invalid never resolves (RFC 2606).
# Needs the `xir` tool (libxir-utils) and signdpu-quantize in BIN_DIR for the
# host xmodel; exit 77 (skipped) without them.
set -euo pipefail
src="$1" bin="${2:-}" retag="${3:-}"
deploy="$src/scripts/deploy.sh"
fixtures="$src/tests/data/xmodels"
if ! command -v xir >/dev/null || [[ ! -x "$bin/signdpu-quantize" ]]; then
  echo "SKIP: needs the xir tool (libxir-utils) and $bin/signdpu-quantize (host tools build)"
  exit 77
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

mkdir -p "$tmp/bin" "$tmp/in/bin" "$tmp/in/lib"
for tool in ssh scp; do
  cat >"$tmp/bin/$tool" <<STUB
#!/usr/bin/env bash
# Stand-in: records the call, contacts nothing.
{ printf '%s' "$tool"; for a in "\$@"; do printf ' [%s]' "\$a"; done; printf '\n'; } >>"$tmp/calls"
exit 0
STUB
  chmod +x "$tmp/bin/$tool"
done
# An ELF64 little-endian header with e_machine 183 (EM_AARCH64), the rest zero:
# what deploy.sh reads of a binary (the ELF header, DT_NEEDED via readelf).
aarch64_elf() { { printf '\177ELF\002\001\001'; head -c 9 /dev/zero; printf '\003\000\267\000'; head -c 44 /dev/zero; } >"$1"; }
aarch64_elf "$tmp/in/bin/signdpu"
aarch64_elf "$tmp/in/lib/libsigndpu-media.so"
aarch64_elf "$tmp/in/lib/libvart-signdpu-emu-runner.so"
[[ "$(od -An -tu1 -j18 -N1 "$tmp/in/bin/signdpu" | tr -d ' ')" == 183 ]] || bad "test's aarch64 header is wrong"
# A host xmodel (one DPU subgraph for the emulator, 10 classes) from the quantiser.
GLOG_minloglevel=2 "$bin/signdpu-quantize" --model "$src/models/signcnn_fashion.onnx" \
  --calib "$src/tests/data/fashion_sample.csv" --calib_iter 2 --calib_batch_size 32 \
  --output_dir "$tmp/q" --name host --no-progress >/dev/null 2>&1 || bad "signdpu-quantize failed"
host_model="$tmp/q/host.xmodel"
sed 's/^SIGNDPU_MODE=.*/SIGNDPU_MODE=ref/' "$src/deploy/config/signdpu.conf" >"$tmp/in/ref.conf"
grep -qx 'SIGNDPU_MODE=ref' "$tmp/in/ref.conf" || bad "could not make a mode-ref config"
fashion="$src/models/fashion.labels.txt"
host=root@board.invalid
stage=/tmp/signdpu-deploy

# ---- 1. refusals ------------------------------------------------------------
# refused NAME MESSAGE_SUBSTRING -- deploy.sh args...: exit 3, exactly one
# 'deploy:' line on stderr, containing MESSAGE_SUBSTRING; nothing contacted.
refused() {
  local name="$1" msg="$2"; shift 3
  local err rc=0
  err="$(PATH="$tmp/bin:$PATH" bash "$deploy" --host "$host" "$@" 2>&1 >/dev/null)" || rc=$?
  if [[ $rc -ne 3 ]]; then bad "$name: exit $rc, expected 3: $err"; return; fi
  if [[ "$(grep -c '^deploy: ' <<<"$err")" -ne 1 ]]; then bad "$name: expected one line: $err"; return; fi
  if [[ "$err" != *"$msg"* ]]; then bad "$name: message lacks '$msg': $err"; return; fi
  echo "ok: $name -> exit 3: $err"
}
A=(--app "$tmp/in/bin/signdpu")
refused "host xmodel for mode run" "is a host xmodel" -- "${A[@]}" --model "$host_model" --labels "$fashion" --dry-run
refused "3.0 compile for the 2.5 board" \
  "has fingerprint 0x101000056010407, the board has 0x101000016010407" -- \
  "${A[@]}" --model "$fixtures/zcu104_mnist_custom_op.xmodel" --labels "$fashion" --dry-run
refused "2.5 compile with two DPU subgraphs" "has 2 DPU subgraphs" -- \
  "${A[@]}" --model "$fixtures/vai25_zcu104_mnist_custom_op.xmodel" --labels "$fashion" --dry-run
# The 3.0 board: the 3.0 compile's fingerprint passes, its subgraph count does not.
refused "3.0 compile for --fingerprint 0x101000056010407" "has 2 DPU subgraphs" -- \
  "${A[@]}" --model "$fixtures/zcu104_mnist_custom_op.xmodel" --fingerprint 0x0101000056010407 --labels "$fashion" --dry-run
refused "labels with the wrong count" "has 25 lines, model '$host_model' has 10 classes" -- \
  "${A[@]}" --model "$host_model" --config "$tmp/in/ref.conf" --labels "$src/models/sign.labels.txt" --dry-run
refused "x86 app" "is built for x86-64 (e_machine 62), the board needs aarch64" -- \
  --app "$bin/signdpu" --media "$tmp/in/lib/libsigndpu-media.so" --plugin "$tmp/in/lib/libvart-signdpu-emu-runner.so" \
  --model "$host_model" --config "$tmp/in/ref.conf" --labels "$fashion" --dry-run
refused "x86 media library" "media library '/bin/true' is built for x86-64" -- \
  "${A[@]}" --media /bin/true --model "$host_model" --config "$tmp/in/ref.conf" --labels "$fashion" --dry-run
printf 'not a binary\n' >"$tmp/in/text"
refused "text file as the app" "is not an ELF file" -- \
  --app "$tmp/in/text" --media "$tmp/in/lib/libsigndpu-media.so" --plugin "$tmp/in/lib/libvart-signdpu-emu-runner.so" --model "$host_model" --config "$tmp/in/ref.conf" --labels "$fashion" --dry-run
refused "not an xmodel" "XIR cannot read it" -- "${A[@]}" --model "$tmp/in/text" --labels "$fashion" --dry-run
[[ -e "$tmp/calls" ]] && bad "a refused deploy called ssh/scp: $(cat "$tmp/calls")"
# Without the xir tool the model cannot be checked: exit 2 naming the package.
mkdir -p "$tmp/noxir"
for t in bash sed grep tr head tail awk od cat cut sort wc dirname basename mktemp rm readelf; do
  p="$(command -v "$t" || true)"; [[ -n "$p" ]] && ln -sf "$p" "$tmp/noxir/$t"
done
rc=0; err="$(PATH="$tmp/noxir" bash "$deploy" --host "$host" "${A[@]}" --model "$host_model" --config "$tmp/in/ref.conf" \
  --labels "$fashion" --dry-run 2>&1 >/dev/null)" || rc=$?
[[ $rc -eq 2 && "$err" == *"libxir-utils"* ]] && echo "ok: no xir tool -> exit 2 naming libxir-utils" ||
  bad "no xir tool: exit $rc: $err"

# Mode run accepts a compiled model with one DPU subgraph of the board's fingerprint.
if [[ -x "$retag" ]]; then
  GLOG_minloglevel=2 "$retag" "$fixtures/vai25_zcu104_mnist_custom_op.xmodel" "$tmp/one_dpu.xmodel" 1 ||
    bad "xmodel_retag failed"
  RUNOK=("${A[@]}" --model "$tmp/one_dpu.xmodel" --labels "$fashion")
  rc=0; out_run="$(PATH="$tmp/bin:$PATH" bash "$deploy" --host "$host" "${RUNOK[@]}" --dry-run 2>"$tmp/run.err")" || rc=$?
  if [[ $rc -eq 0 ]] && grep -q 'checks passed: 10 classes, fingerprint 0x101000016010407, mode run' "$tmp/run.err"; then
    echo "ok: mode run accepts a compiled model with one DPU subgraph of the board's fingerprint"
  else
    bad "mode run, one compiled DPU subgraph: exit $rc: $(cat "$tmp/run.err")"
  fi
  grep -q 'libvart-signdpu-emu-runner' <<<"$out_run" && bad "mode run ships the plugin although the app does not link it"
  # The same with an app that links the plugin (a readelf stand-in reports its DT_NEEDED).
  mkdir -p "$tmp/readelf"
  printf '#!/bin/sh
echo " 0x0000000000000001 (NEEDED)             Shared library: [libvart-signdpu-emu-runner.so]"
' \
    >"$tmp/readelf/readelf"
  chmod +x "$tmp/readelf/readelf"
  out_run="$(PATH="$tmp/readelf:$tmp/bin:$PATH" bash "$deploy" --host "$host" "${RUNOK[@]}" --dry-run 2>/dev/null)" ||
    bad "mode run with a linked plugin: exit $?"
  grep -qx "scp $tmp/in/lib/libvart-signdpu-emu-runner.so $host:$stage/libvart-signdpu-emu-runner.so" <<<"$out_run" &&
    echo "ok: the plugin is shipped when the app's DT_NEEDED names it" ||
    bad "the plugin the app links is not shipped: $out_run"
  refused "one-DPU compile for a 3.0 board" "has fingerprint 0x101000016010407, the board has 0x101000056010407" -- \
    "${RUNOK[@]}" --fingerprint 0x101000056010407 --dry-run
else
  echo "note: no xmodel_retag given; the mode-run acceptance case is not run"
fi

# ---- 2. dry run of inputs that pass -------------------------------------------
GOOD=("${A[@]}" --model "$host_model" --config "$tmp/in/ref.conf" --labels "$fashion")
out="$(PATH="$tmp/bin:$PATH" bash "$deploy" --host "$host" "${GOOD[@]}" --dry-run 2>"$tmp/stderr")" || bad "dry run exited $?: $(cat "$tmp/stderr")"
[[ -e "$tmp/calls" ]] && bad "dry run called ssh/scp: $(cat "$tmp/calls")"
grep -q 'checks passed: 10 classes, fingerprint 0x101000016010407, mode ref' "$tmp/stderr" ||
  bad "dry run does not report the passed checks: $(cat "$tmp/stderr")"
expected=(
  "ssh $host 'rm -rf $stage && mkdir -p $stage'"
  "scp $tmp/in/bin/signdpu $host:$stage/signdpu"
  "scp $tmp/in/lib/libsigndpu-media.so $host:$stage/libsigndpu-media.so"
  "scp $tmp/in/lib/libvart-signdpu-emu-runner.so $host:$stage/libvart-signdpu-emu-runner.so"
  "scp $host_model $host:$stage/signdpu_zcu104.xmodel"
  "scp $fashion $host:$stage/labels.txt"
  "scp $tmp/in/ref.conf $host:$stage/signdpu.conf"
  "scp $src/deploy/systemd/signdpu.service $host:$stage/signdpu.service"
  "scp $src/deploy/sysusers.d/signdpu.conf $host:$stage/sysusers-signdpu.conf"
  "ssh $host 'sh -c \"install -D -m 0755 $stage/signdpu /usr/bin/signdpu && install -D -m 0644 $stage/libsigndpu-media.so /usr/lib/libsigndpu-media.so && install -D -m 0644 $stage/libvart-signdpu-emu-runner.so /usr/lib/libvart-signdpu-emu-runner.so && install -D -m 0644 $stage/signdpu_zcu104.xmodel /usr/share/signdpu/models/signdpu_zcu104.xmodel && install -D -m 0644 $stage/labels.txt /usr/share/signdpu/labels.txt && install -D -m 0644 $stage/signdpu.service /lib/systemd/system/signdpu.service && install -D -m 0644 $stage/sysusers-signdpu.conf /usr/lib/sysusers.d/signdpu.conf && { test -e /etc/signdpu/signdpu.conf || install -D -m 0644 $stage/signdpu.conf /etc/signdpu/signdpu.conf; } && systemd-sysusers /usr/lib/sysusers.d/signdpu.conf && rm -rf $stage\"'"
  "ssh $host 'systemctl daemon-reload'"
  "ssh $host 'systemctl enable signdpu && systemctl restart signdpu'"
  "ssh $host 'systemctl --no-pager --lines=20 status signdpu'"
)
mapfile -t got <<<"$out"
if [[ "$(printf '%s\n' "${got[@]}")" != "$(printf '%s\n' "${expected[@]}")" ]]; then
  bad "dry-run output differs:"
  diff <(printf '%s\n' "${expected[@]}") <(printf '%s\n' "${got[@]}") || true
else
  echo "ok: --dry-run printed the ${#expected[@]} expected commands and called nothing"
fi

# Options: port, identity, non-root user (sudo), explicit plugin, forced config, no restart.
out2="$(PATH="$tmp/bin:$PATH" bash "$deploy" --host petalinux@board.invalid --port 2222 \
         --identity /k/id_ed25519 "${GOOD[@]}" --plugin "$tmp/in/lib/libvart-signdpu-emu-runner.so" \
         --force-config --no-restart --dry-run 2>/dev/null)" || bad "options dry run exited $?"
grep -qx "scp -P 2222 -i /k/id_ed25519 $tmp/in/lib/libvart-signdpu-emu-runner.so petalinux@board.invalid:$stage/libvart-signdpu-emu-runner.so" <<<"$out2" ||
  bad "plugin scp with -P/-i missing: $out2"
grep -q "^ssh -p 2222 -i /k/id_ed25519 petalinux@board.invalid 'sudo sh -c \"install" <<<"$out2" || bad "sudo install missing"
grep -q "install -D -m 0644 $stage/sysusers-signdpu.conf /usr/lib/sysusers.d/signdpu.conf && install -D -m 0644 $stage/signdpu.conf /etc/signdpu/signdpu.conf && systemd-sysusers" <<<"$out2" ||
  bad "--force-config install missing"
grep -qx "ssh -p 2222 -i /k/id_ed25519 petalinux@board.invalid 'sudo systemctl daemon-reload'" <<<"$out2" || bad "sudo daemon-reload missing"
grep -q 'restart' <<<"$out2" && bad "--no-restart still restarts"
grep -q 'does not exist (dry run continues)' <<<"$(PATH="$tmp/bin:$PATH" bash "$deploy" --host "$host" \
  "${GOOD[@]}" --plugin "$tmp/nope.so" --dry-run 2>&1 >/dev/null)" ||
  bad "dry run does not warn about a missing file"
# Mode run (the default config) with a model the checks accept would ship no
# plugin unless the app links it: the aarch64 stand-in app has no DT_NEEDED.
[[ -e "$tmp/calls" ]] && bad "dry runs called ssh/scp"

# ---- 3. the real path, against the recording stand-ins ------------------------
PATH="$tmp/bin:$PATH" bash "$deploy" --host "$host" "${GOOD[@]}" 2>/dev/null || bad "run against stand-ins exited $?"
# Turn the recorded argv back into the dry run's quoting to compare.
recorded="$(sed -E 's/ \[([A-Za-z0-9_.\/:@=,+%-]+)\]/ \1/g; s/ \[(.*)\]$/ '"'"'\1'"'"'/' "$tmp/calls")"
if [[ "$recorded" != "$out" ]]; then
  bad "executed commands differ from the dry run:"
  diff <(echo "$out") <(echo "$recorded") || true
else
  echo "ok: a run executes exactly the dry run's $(wc -l <"$tmp/calls") commands"
fi

# ---- 4. usage errors ----------------------------------------------------------
rc=0; bash "$deploy" --model x --dry-run >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || bad "missing --host: exit $rc, expected 2"
rc=0; bash "$deploy" --host "$host" --dry-run >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || bad "missing --model: exit $rc, expected 2"
rc=0; PATH="$tmp/bin:$PATH" bash "$deploy" --host "$host" "${A[@]}" --model "$tmp/nope.xmodel" >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || bad "missing model file (real run): exit $rc, expected 2"
rc=0; bash "$deploy" --host 'root@x; rm -rf /' --model x --dry-run >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || bad "malformed --host accepted: exit $rc"
rc=0; bash "$deploy" --host "$host" --model x --fingerprint 12ab --dry-run >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || bad "malformed --fingerprint accepted: exit $rc"
((fail == 0)) && echo "ok: usage errors exit 2"
exit "$fail"
