#!/usr/bin/env bash
# The fingerprint the deploy and compile scripts expect of the Vitis AI 2.5
# ZCU104 board equals what Debian's libtarget-factory (Vitis AI 2.5) gives
# for DPUCZDX8G_ISA1_B4096, and the 3.0 value differs from it in exactly the
# save-engine argmax bit (0x40000000).
#   target_fingerprint_check.sh SOURCE_DIR [EMULATOR...] TARGET_FINGERPRINT_BIN
set -euo pipefail
src="$1"; shift; tool=("$@")   # the program, after a cross build's emulator (qemu)
fail=0
bad() { echo "FAIL: $*"; fail=1; }
got="$("${tool[@]}" DPUCZDX8G_ISA1_B4096)" || { echo "FAIL: ${tool[*]} exited $?"; exit 1; }
echo "target-factory: $got"
tf="${got#* }"
deploy_fp="$(sed -nE 's/^VAI25_ZCU104_FINGERPRINT=(0x[0-9a-fA-F]+)$/\1/p' "$src/scripts/deploy.sh")"
compile25="$(sed -nE 's/^ *DPUCZDX8G_ISA1_B4096\/2\.5\) echo (0x[0-9a-fA-F]+) ;;.*/\1/p' "$src/scripts/compile_zcu104.sh")"
compile30="$(sed -nE 's/^ *DPUCZDX8G_ISA1_B4096\/3\.0\) echo (0x[0-9a-fA-F]+) ;;.*/\1/p' "$src/scripts/compile_zcu104.sh")"
[[ -n "$deploy_fp" && -n "$compile25" && -n "$compile30" ]] || bad "could not read the scripts' values ('$deploy_fp' '$compile25' '$compile30')"
[[ "$tf" == "$deploy_fp" ]] && echo "ok: deploy.sh default $deploy_fp = target-factory 2.5" ||
  bad "deploy.sh default '$deploy_fp' differs from target-factory's $tf"
[[ "$tf" == "$compile25" ]] && echo "ok: compile_zcu104.sh 2.5 value $compile25 = target-factory 2.5" ||
  bad "compile_zcu104.sh 2.5 value '$compile25' differs from target-factory's $tf"
(( (compile25 ^ compile30) == 0x40000000 )) && echo "ok: the 3.0 value $compile30 differs in bit 30 only" ||
  bad "3.0 value $compile30 differs from $compile25 in more than bit 30"
exit "$fail"
