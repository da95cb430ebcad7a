#!/usr/bin/env bash
# scripts/compile_zcu104.sh without the Vitis AI docker.
#   compile_zcu104_test.sh SOURCE_DIR missing-tools
#     No vai_c_xir on PATH and no arch.json: exit 3, every missing piece named.
#   compile_zcu104_test.sh SOURCE_DIR fake-compiler FIXTURE_DIR
#     A stand-in vai_c_xir that "compiles" by copying a real vai_c_xir output
#     (tests/data/xmodels: the Vitis AI 2.5 and 3.0 MNIST compiles); the
#     script must name the output from its input, read the DPU name and
#     fingerprint back with the real `xir` tool (libxir-utils), accept the 2.5
#     compile for a 2.5 board and refuse the 3.0 compile (exit 5).
#     Exit 77 (skipped) when `xir` or the fixtures are missing.
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
    fixtures="${3:-}"
    fx25="$fixtures/vai25_zcu104_mnist_custom_op.xmodel" fx30="$fixtures/zcu104_mnist_custom_op.xmodel"
    if ! command -v xir >/dev/null || [[ ! -r "$fx25" || ! -r "$fx30" ]]; then
      echo "SKIP: needs the xir tool (libxir-utils) and the fixtures in '$fixtures'"
      exit 77
    fi
    # Stand-in for the Vitis AI compiler: checks its arguments, copies the
    # fixture named by FAKE_COMPILED (a real vai_c_xir output).
    cat >"$tmp/bin/vai_c_xir" <<STUB
#!/usr/bin/env bash
while ((\$#)); do case "\$1" in -x) x="\$2";; -a) a="\$2";; -o) o="\$2";; -n) n="\$2";; *) exit 9;; esac; shift 2; done
[[ -r "\$x" && -r "\$a" && -d "\$o" && -n "\$n" ]] || exit 8
echo "\$x|\$a|\$o|\$n" >"$tmp/vai_c_xir.args"
cp "\$FAKE_COMPILED" "\$o/\$n.xmodel"
STUB
    chmod +x "$tmp/bin/vai_c_xir"
    # What the Vitis AI docker's ZCU104 arch.json holds: the target name only.
    echo '{"target": "DPUCZDX8G_ISA1_B4096"}' >"$tmp/arch.json"
    cp "$tmp/model_int.xmodel" "$tmp/signcnn_fashion_int.xmodel"
    compile() {  # compile FIXTURE ARGS... ; sets rc, out, err
      rc=0
      out="$(FAKE_COMPILED="$1" PATH="$tmp/bin:$PATH" bash "$script" "${@:2}" 2>"$tmp/err")" || rc=$?
      err="$(cat "$tmp/err")"
    }
    # 1. The Vitis AI 2.5 compile for the (default) 2.5 board: accepted, output named from the input.
    compile "$fx25" --arch "$tmp/arch.json" --out "$tmp/out" "$tmp/signcnn_fashion_int.xmodel"
    echo "$out"
    [[ $rc -eq 0 ]] || bad "2.5 fixture, 2.5 board: exit $rc: $err"
    [[ "$(cat "$tmp/vai_c_xir.args" 2>/dev/null)" == "$tmp/signcnn_fashion_int.xmodel|$tmp/arch.json|$tmp/out|signcnn_fashion" ]] ||
      bad "vai_c_xir called with '$(cat "$tmp/vai_c_xir.args" 2>/dev/null)', expected net name signcnn_fashion"
    [[ -s "$tmp/out/signcnn_fashion.xmodel" ]] || bad "no output signcnn_fashion.xmodel (named from signcnn_fashion_int.xmodel)"
    grep -qx 'DPU name: *DPUCZDX8G_ISA1_B4096' <<<"$out" || bad "DPU name not printed: $out"
    grep -qx 'DPU fingerprint: *0x101000016010407' <<<"$out" || bad "fingerprint not printed: $out"
    grep -qx 'DPU subgraphs: *2' <<<"$out" || bad "DPU subgraph count not printed: $out"
    grep -q 'board expects: *DPUCZDX8G_ISA1_B4096, fingerprint 0x101000016010407 (target-factory 2.5 for DPUCZDX8G_ISA1_B4096)' <<<"$out" ||
      bad "expected board values not printed: $out"
    grep -q 'warning: 2 DPU subgraphs' <<<"$err" || bad "no warning about 2 DPU subgraphs: $err"
    # 2. The Vitis AI 3.0 compile for the 2.5 board: exit 5 naming both fingerprints.
    compile "$fx30" --arch "$tmp/arch.json" --out "$tmp/out30" "$tmp/model_int.xmodel"
    [[ $rc -eq 5 ]] || bad "3.0 fixture, 2.5 board: exit $rc, expected 5"
    grep -q 'carries DPU fingerprint 0x101000056010407, the board has 0x101000016010407' <<<"$err" ||
      bad "3.0 fixture refusal does not name both fingerprints: $err"
    [[ -s "$tmp/out30/model.xmodel" ]] || bad "model_int.xmodel not compiled to model.xmodel"
    # 3. The same 3.0 compile for a 3.0 board: accepted.
    compile "$fx30" --arch "$tmp/arch.json" --out "$tmp/out30b" --vai-release 3.0 "$tmp/model_int.xmodel"
    [[ $rc -eq 0 ]] || bad "3.0 fixture, --vai-release 3.0: exit $rc: $err"
    # 4. A board-specific arch.json with a fingerprint (the WAA designs' style) wins over the table.
    echo '{"fingerprint":"0x0101000056010407"}' >"$tmp/arch-fp.json"
    compile "$fx25" --arch "$tmp/arch-fp.json" --out "$tmp/out4" --name mnist "$tmp/model_int.xmodel"
    [[ $rc -eq 5 ]] || bad "2.5 fixture against a 0x...56... arch.json: exit $rc, expected 5"
    [[ "$(cut -d'|' -f4 "$tmp/vai_c_xir.args")" == mnist ]] || bad "--name mnist not passed to vai_c_xir"
    # 5. --fingerprint overrides; a DPU name other than the arch.json target is refused.
    compile "$fx30" --arch "$tmp/arch.json" --out "$tmp/out5" --fingerprint 0x101000056010407 "$tmp/model_int.xmodel"
    [[ $rc -eq 0 ]] || bad "3.0 fixture with the 3.0 --fingerprint: exit $rc: $err"
    echo '{"target": "DPUCZDX8G_ISA1_B1024"}' >"$tmp/arch-b1024.json"
    compile "$fx25" --arch "$tmp/arch-b1024.json" --out "$tmp/out6" --fingerprint 0x101000016010407 "$tmp/model_int.xmodel"
    [[ $rc -eq 5 ]] && grep -q 'targets DPU DPUCZDX8G_ISA1_B4096, the board.s arch.json names DPUCZDX8G_ISA1_B1024' <<<"$err" ||
      bad "DPU name mismatch: exit $rc: $err"
    compile "$fx25" --arch "$tmp/arch-b1024.json" --out "$tmp/out7" "$tmp/model_int.xmodel"
    [[ $rc -eq 2 ]] && grep -q "no known fingerprint for target 'DPUCZDX8G_ISA1_B1024'" <<<"$err" ||
      bad "unknown target without --fingerprint: exit $rc: $err"
    # 6. A failing compiler: exit 4.
    printf '#!/bin/sh\necho "fake failure" >&2\nexit 1\n' >"$tmp/bin/vai_c_xir"
    compile "$fx25" --arch "$tmp/arch.json" --out "$tmp/out8" "$tmp/model_int.xmodel"
    [[ $rc -eq 4 ]] || bad "failing vai_c_xir: exit $rc, expected 4"
    ((fail == 0)) && echo "ok: 2.5 compile accepted for the 2.5 board and named from its input; 3.0 compile refused (exit 5) unless the board is 3.0; arch.json fingerprint, --fingerprint, DPU name checks; compiler failure exit 4"
    ;;
  *) echo "usage: $0 SOURCE_DIR missing-tools|fake-compiler FIXTURE_DIR"; exit 2 ;;
esac
exit "$fail"
