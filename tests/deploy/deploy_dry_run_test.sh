#!/usr/bin/env bash
# scripts/deploy.sh without a board.
#   deploy_dry_run_test.sh SOURCE_DIR
# 1. --dry-run prints exactly the expected scp/ssh/systemctl commands, and
#    runs neither ssh nor scp (stand-ins on PATH would record any call).
# 2. A real run against the same stand-ins (which only record their argv and
#    contact nothing) executes the very commands the dry run printed.
# 3. Usage errors exit 2.
# The host is 'root@board.invalid': .invalid never resolves (RFC 2606).
set -euo pipefail
src="$1"
deploy="$src/scripts/deploy.sh"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

mkdir -p "$tmp/bin" "$tmp/in"
for tool in ssh scp; do
  cat >"$tmp/bin/$tool" <<STUB
#!/usr/bin/env bash
# Stand-in: records the call, contacts nothing.
{ printf '%s' "$tool"; for a in "\$@"; do printf ' [%s]' "\$a"; done; printf '\n'; } >>"$tmp/calls"
exit 0
STUB
  chmod +x "$tmp/bin/$tool"
done
printf 'ELF' >"$tmp/in/signdpu"
printf 'xmodel' >"$tmp/in/model.xmodel"
host=root@board.invalid

# ---- 1. dry run -------------------------------------------------------------
out="$(PATH="$tmp/bin:$PATH" bash "$deploy" --host "$host" --model "$tmp/in/model.xmodel" \
        --app "$tmp/in/signdpu" --dry-run 2>"$tmp/stderr")" || bad "dry run exited $?"
[[ -e "$tmp/calls" ]] && bad "dry run called ssh/scp: $(cat "$tmp/calls")"
stage=/tmp/signdpu-deploy
expected=(
  "ssh $host 'rm -rf $stage && mkdir -p $stage'"
  "scp $tmp/in/signdpu $host:$stage/signdpu"
  "scp $tmp/in/model.xmodel $host:$stage/signdpu_zcu104.xmodel"
  "scp $src/models/sign.labels.txt $host:$stage/labels.txt"
  "scp $src/deploy/config/signdpu.conf $host:$stage/signdpu.conf"
  "scp $src/deploy/systemd/signdpu.service $host:$stage/signdpu.service"
  "ssh $host 'sh -c \"install -D -m 0755 $stage/signdpu /usr/bin/signdpu && install -D -m 0644 $stage/signdpu_zcu104.xmodel /usr/share/signdpu/models/signdpu_zcu104.xmodel && install -D -m 0644 $stage/labels.txt /usr/share/signdpu/labels.txt && install -D -m 0644 $stage/signdpu.service /lib/systemd/system/signdpu.service && { test -e /etc/signdpu/signdpu.conf || install -D -m 0644 $stage/signdpu.conf /etc/signdpu/signdpu.conf; } && rm -rf $stage\"'"
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

# Options: port, identity, non-root user (sudo), plugin, forced config, no restart.
out2="$(PATH="$tmp/bin:$PATH" bash "$deploy" --host petalinux@board.invalid --port 2222 \
         --identity /k/id_ed25519 --model "$tmp/in/model.xmodel" --app "$tmp/in/signdpu" \
         --plugin "$tmp/in/libvart-signdpu-emu-runner.so" --force-config --no-restart --dry-run 2>/dev/null)"
grep -qx "scp -P 2222 -i /k/id_ed25519 $tmp/in/libvart-signdpu-emu-runner.so petalinux@board.invalid:$stage/libvart-signdpu-emu-runner.so" <<<"$out2" ||
  bad "plugin scp with -P/-i missing: $out2"
grep -q "^ssh -p 2222 -i /k/id_ed25519 petalinux@board.invalid 'sudo sh -c \"install" <<<"$out2" || bad "sudo install missing"
grep -q "install -D -m 0644 $stage/signdpu.conf /etc/signdpu/signdpu.conf && install -D -m 0644 $stage/libvart-signdpu-emu-runner.so /usr/lib/libvart-signdpu-emu-runner.so" <<<"$out2" ||
  bad "--force-config or plugin install missing"
grep -qx "ssh -p 2222 -i /k/id_ed25519 petalinux@board.invalid 'sudo systemctl daemon-reload'" <<<"$out2" || bad "sudo daemon-reload missing"
grep -q 'restart' <<<"$out2" && bad "--no-restart still restarts"
grep -q 'does not exist (dry run continues)' <<<"$(PATH="$tmp/bin:$PATH" bash "$deploy" --host "$host" \
  --model "$tmp/in/model.xmodel" --app "$tmp/in/signdpu" --plugin "$tmp/nope.so" --dry-run 2>&1 >/dev/null)" ||
  bad "dry run does not warn about a missing file"
[[ -e "$tmp/calls" ]] && bad "dry runs called ssh/scp"

# ---- 2. the real path, against the recording stand-ins ------------------------
PATH="$tmp/bin:$PATH" bash "$deploy" --host "$host" --model "$tmp/in/model.xmodel" \
  --app "$tmp/in/signdpu" 2>/dev/null || bad "run against stand-ins exited $?"
# Turn the recorded argv back into the dry run's quoting to compare.
recorded="$(sed -E 's/ \[([A-Za-z0-9_.\/:@=,+%-]+)\]/ \1/g; s/ \[(.*)\]$/ '"'"'\1'"'"'/' "$tmp/calls")"
if [[ "$recorded" != "$out" ]]; then
  bad "executed commands differ from the dry run:"
  diff <(echo "$out") <(echo "$recorded") || true
else
  echo "ok: a run executes exactly the dry run's $(wc -l <"$tmp/calls") commands"
fi

# ---- 3. usage errors ----------------------------------------------------------
rc=0; bash "$deploy" --model x --dry-run >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || bad "missing --host: exit $rc, expected 2"
rc=0; bash "$deploy" --host "$host" --dry-run >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || bad "missing --model: exit $rc, expected 2"
rc=0; PATH="$tmp/bin:$PATH" bash "$deploy" --host "$host" --model "$tmp/nope.xmodel" --app "$tmp/in/signdpu" >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || bad "missing model file (real run): exit $rc, expected 2"
rc=0; bash "$deploy" --host 'root@x; rm -rf /' --model x --dry-run >/dev/null 2>&1 || rc=$?
[[ $rc -eq 2 ]] || bad "malformed --host accepted: exit $rc"
((fail == 0)) && echo "ok: usage errors exit 2"
exit "$fail"
