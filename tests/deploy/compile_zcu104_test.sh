#!/usr/bin/env bash
# scripts/compile_zcu104.sh without the Vitis AI docker.
#   compile_zcu104_test.sh SOURCE_DIR missing-tools
#     No vai_c_xir on PATH and no arch.json: exit 3, every missing piece named.
#   compile_zcu104_test.sh SOURCE_DIR fake-compiler FIXTURE.xmodel
#     A stand-in vai_c_xir that "compiles" by copying FIXTURE (a real
#     vai_c_xir output for the ZCU104, fingerprint 0x101000056010407); the
#     script must read the DPU name and fingerprint back with the real `xir`
#     tool (libxir-utils), accept a matching arch.json and reject others.
#     Exit 77 (skipped) when `xir` or the fixture is missing.
set -euo pipefail
src="$1" mode="$2"
script="$src/scripts/compile_zcu104.sh"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
printf 'not really a model' >"$tmp/model_int.xmodel"
mkdir -p "$tmp/bin"

case "$mode" in
  missing-tools)
    # A PATH with only the basic tools (and certainly no vai_c_xir).
    for t in bash sed grep tr head mkdir dirname cat; do ln -s "$(command -v "$t")" "$tmp/bin/$t"; done
    rc=0
    err="$(PATH="$tmp/bin" VAI_ARCH_JSON="$tmp/no/arch.json" bash "$script" "$tmp/model_int.xmodel" 2>&1 >/dev/null)" || rc=$?
    [[ $rc -eq 3 ]] || bad "exit $rc, expected 3"
    grep -q "command 'vai_c_xir'" <<<"$err" || bad "does not name vai_c_xir: $err"
    grep -q "file '$tmp/no/arch.json'" <<<"$err" || bad "does not name the missing arch.json: $err"
    grep -q "command 'xir' or 'xdputil'" <<<"$err" || bad "does not name xir/xdputil: $err"
    # Only the arch.json missing (a stand-in vai_c_xir on PATH): still 3, names only it.
    printf '#!/bin/sh\nexit 0\n' >"$tmp/bin/vai_c_xir"; chmod +x "$tmp/bin/vai_c_xir"
    printf '#!/bin/sh\nexit 0\n' >"$tmp/bin/xir"; chmod +x "$tmp/bin/xir"
    rc=0
    err="$(PATH="$tmp/bin" bash "$script" --arch "$tmp/no/arch.json" "$tmp/model_int.xmodel" 2>&1 >/dev/null)" || rc=$?
    [[ $rc -eq 3 ]] || bad "arch.json only: exit $rc, expected 3"
    grep -q "vai_c_xir' (the Vitis AI compiler) is not on PATH" <<<"$err" && bad "names vai_c_xir although it is there"
    rc=0; bash "$script" >/dev/null 2>&1 || rc=$?
    [[ $rc -eq 2 ]] || bad "no model: exit $rc, expected 2"
    ((fail == 0)) && echo "ok: outside Vitis AI: exit 3 naming vai_c_xir, arch.json and xir/xdputil"
    ;;
  fake-compiler)
    fixture="${3:-}"
    if ! command -v xir >/dev/null || [[ ! -r "$fixture" ]]; then
      echo "SKIP: needs the xir tool (libxir-utils) and the fixture '$fixture'"
      exit 77
    fi
    cat >"$tmp/bin/vai_c_xir" <<STUB
#!/usr/bin/env bash
# Stand-in for the Vitis AI compiler: checks its arguments, copies the fixture.
while ((\$#)); do case "\$1" in -x) x="\$2";; -a) a="\$2";; -o) o="\$2";; -n) n="\$2";; *) exit 9;; esac; shift 2; done
[[ -r "\$x" && -r "\$a" && -d "\$o" && -n "\$n" ]] || exit 8
echo "\$x|\$a|\$o|\$n" >"$tmp/vai_c_xir.args"
cp "$fixture" "\$o/\$n.xmodel"
STUB
    chmod +x "$tmp/bin/vai_c_xir"
    echo '{"fingerprint":"0x0101000056010407"}' >"$tmp/arch.json"
    rc=0
    out="$(PATH="$tmp/bin:$PATH" bash "$script" --arch "$tmp/arch.json" --out "$tmp/out" --name mnist "$tmp/model_int.xmodel" 2>"$tmp/err")" || rc=$?
    [[ $rc -eq 0 ]] || { bad "exit $rc: $(cat "$tmp/err")"; }
    [[ "$(cat "$tmp/vai_c_xir.args" 2>/dev/null)" == "$tmp/model_int.xmodel|$tmp/arch.json|$tmp/out|mnist" ]] ||
      bad "vai_c_xir called with '$(cat "$tmp/vai_c_xir.args" 2>/dev/null)'"
    grep -qx 'DPU name: *DPUCZDX8G_ISA1_B4096' <<<"$out" || bad "DPU name not printed: $out"
    grep -qx 'DPU fingerprint: *0x101000056010407' <<<"$out" || bad "fingerprint not printed: $out"
    grep -qx 'DPU subgraphs: *2' <<<"$out" || bad "DPU subgraph count not printed: $out"
    echo "$out"
    # A different board's arch.json: exit 5.
    echo '{"fingerprint":"0x1000020F6014407"}' >"$tmp/arch-other.json"
    rc=0
    PATH="$tmp/bin:$PATH" bash "$script" --arch "$tmp/arch-other.json" --out "$tmp/out2" "$tmp/model_int.xmodel" >/dev/null 2>&1 || rc=$?
    [[ $rc -eq 5 ]] || bad "fingerprint mismatch: exit $rc, expected 5"
    # A failing compiler: exit 4.
    printf '#!/bin/sh\necho "fake failure" >&2\nexit 1\n' >"$tmp/bin/vai_c_xir"
    rc=0
    PATH="$tmp/bin:$PATH" bash "$script" --arch "$tmp/arch.json" --out "$tmp/out3" "$tmp/model_int.xmodel" >/dev/null 2>&1 || rc=$?
    [[ $rc -eq 4 ]] || bad "failing vai_c_xir: exit $rc, expected 4"
    ((fail == 0)) && echo "ok: fake compile read back DPU name and fingerprint; mismatch exit 5; compiler failure exit 4"
    ;;
  *) echo "usage: $0 SOURCE_DIR missing-tools|fake-compiler FIXTURE"; exit 2 ;;
esac
exit "$fail"
