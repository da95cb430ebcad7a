#!/usr/bin/env bash
# Static checks of the PetaLinux files (no bitbake here, so this is all that
# can be checked): the recipe inherits cmake and systemd, builds the board
# configuration, names the unit that the repo ships, packages what CMake
# installs, and user-rootfsconfig enables it.
#   petalinux_recipe_check.sh SOURCE_DIR
set -euo pipefail
src="$1"
meta="$src/petalinux/project-spec/meta-user"
bb="$meta/recipes-apps/signdpu/signdpu.bb"
fail=0
bad() { echo "FAIL: $*"; fail=1; }

[[ -f "$bb" ]] || { echo "FAIL: no $bb"; exit 1; }
grep -qE '^inherit .*\bcmake\b' "$bb" || bad "recipe does not inherit cmake"
grep -qE '^inherit .*\bsystemd\b' "$bb" || bad "recipe does not inherit systemd"
for flag in SIGNDPU_BUILD_HOST_TOOLS=OFF SIGNDPU_BUILD_TESTS=OFF SIGNDPU_BUILD_BENCH=OFF; do
  grep -q -- "-D$flag" "$bb" || bad "EXTRA_OECMAKE lacks -D$flag"
done
for dep in vart xir unilog glog opencv nlohmann-json cli11; do
  grep -A4 '^DEPENDS' "$bb" | grep -qw -- "$dep" || bad "DEPENDS lacks $dep"
done
service="$(sed -nE 's/^SYSTEMD_SERVICE:\$\{PN\} = "([^"]+)"/\1/p' "$bb")"
[[ "$service" == "signdpu.service" ]] || bad "SYSTEMD_SERVICE:\${PN} is '$service'"
[[ -f "$src/deploy/systemd/$service" ]] || bad "unit '$service' is not in deploy/systemd"
# Each option the recipe passes exists in the CMake files.
for opt in $(grep -oE -- '-DSIGNDPU_[A-Z_]+' "$bb" | sort -u); do
  grep -rqs -- "${opt#-D}" "$src/CMakeLists.txt" "$src/deploy/CMakeLists.txt" "$src/cmake" ||
    bad "recipe passes $opt, which no CMakeLists defines"
done
for path in '${systemd_system_unitdir}/signdpu.service' '${sysconfdir}/signdpu' '${datadir}/signdpu' '${libdir}/libvart-*.so'; do
  grep -qF "$path" "$bb" || bad "FILES lacks $path"
done
grep -qF 'file://signdpu_zcu104.xmodel' "$bb" || bad "SRC_URI lacks the board model"
grep -qx 'CONFIG_signdpu' "$meta/conf/user-rootfsconfig" || bad "user-rootfsconfig lacks CONFIG_signdpu"
grep -q 'petalinux-build -c signdpu' "$src/petalinux/README.md" || bad "petalinux/README.md lacks petalinux-build -c signdpu"
((fail == 0)) && echo "ok: recipe, user-rootfsconfig and README are consistent (not built: no PetaLinux here)"
exit "$fail"
