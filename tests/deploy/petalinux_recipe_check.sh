#!/usr/bin/env bash
# Checks of the PetaLinux files (no bitbake here): the recipe inherits cmake
# and systemd, builds the board configuration, names the unit that the repo
# ships, packages what CMake installs (app, media library, plugin, unit,
# config, sysusers file, data), and user-rootfsconfig enables it.
# Then a real CMake configure of the board configuration (tests, benchmarks
# and host tools off, as the recipe passes them) against an OpenCV without
# the dnn module, as meta-oe's opencv recipe builds it by default
# (PACKAGECONFIG has no dnn; inferred, see petalinux/README.md): it must
# succeed, and, as a control, the same configure with benchmarks on must
# fail on the missing dnn. Also: only tests/graph and bench/ use cv::dnn.
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
for dep in vart xir unilog glog opencv nlohmann-json cli11 civetweb; do
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
for path in '${systemd_system_unitdir}/signdpu.service' '${sysconfdir}/signdpu' '${datadir}/signdpu' '${libdir}/libvart-*.so' \
            '${libdir}/libsigndpu-media.so' '${nonarch_libdir}/sysusers.d/signdpu.conf'; do
  grep -qF "$path" "$bb" || bad "FILES lacks $path"
done
grep -qF 'file://signdpu_zcu104.xmodel' "$bb" || bad "SRC_URI lacks the board model"
grep -qx 'CONFIG_signdpu' "$meta/conf/user-rootfsconfig" || bad "user-rootfsconfig lacks CONFIG_signdpu"
grep -q 'petalinux-build -c signdpu' "$src/petalinux/README.md" || bad "petalinux/README.md lacks petalinux-build -c signdpu"
grep -qiE 'PACKAGECONFIG.*dnn' "$bb" "$meta/conf/user-rootfsconfig" && bad "the recipe asks for OpenCV's dnn module"
((fail == 0)) && echo "ok: recipe, user-rootfsconfig and README are consistent (not built: no PetaLinux here)"

# ---- who uses OpenCV's dnn module -------------------------------------------
users="$(cd "$src" && grep -rlE 'opencv_dnn|cv::dnn|opencv2/dnn' --include='*.cc' --include='*.h' --include='*.cpp' \
           --include=CMakeLists.txt src include tests bench 2>/dev/null | sort || true)"
while read -r f; do
  [[ -z "$f" ]] && continue
  case "$f" in
    tests/graph/*|bench/*) ;;
    *) bad "$f uses OpenCV's dnn module; only tests/graph (tests + host tools) and bench/ may (the board's OpenCV has none)" ;;
  esac
done <<<"$users"
echo "dnn users: $(tr '\n' ' ' <<<"$users")"

# ---- a real configure of the board build against an OpenCV without dnn -----
real_dir="${SIGNDPU_OPENCV_DIR:-}"
if [[ -z "$real_dir" ]]; then
  for d in /usr/lib/*/cmake/opencv4 /usr/lib/cmake/opencv4 /usr/share/OpenCV /usr/local/lib/cmake/opencv4; do
    [[ -f "$d/OpenCVConfig.cmake" ]] && { real_dir="$d"; break; }
  done
fi
if [[ -z "$real_dir" ]] || ! command -v cmake >/dev/null; then
  echo "SKIP (configure part): no cmake or no OpenCVConfig.cmake found (set SIGNDPU_OPENCV_DIR)"
  exit "$fail"
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/opencv-no-dnn"
cat >"$tmp/opencv-no-dnn/OpenCVConfig.cmake" <<CMAKE
# Stand-in for an OpenCV built without the dnn module (meta-oe's default):
# refuses a request for dnn, otherwise forwards to the real package.
if("dnn" IN_LIST OpenCV_FIND_COMPONENTS OR "opencv_dnn" IN_LIST OpenCV_FIND_COMPONENTS)
  set(OpenCV_FOUND FALSE)
  set(OpenCV_NOT_FOUND_MESSAGE "this OpenCV has no dnn module (built without PACKAGECONFIG dnn)")
  return()
endif()
include("$real_dir/OpenCVConfig.cmake")
CMAKE
GEN=(); command -v ninja >/dev/null && GEN=(-G Ninja)
board=(-DSIGNDPU_BUILD_TESTS=OFF -DSIGNDPU_BUILD_HOST_TOOLS=OFF -DCMAKE_BUILD_TYPE=Release
       -DOpenCV_DIR="$tmp/opencv-no-dnn" -DSIGNDPU_INSTALL_SERVICE=ON)
if cmake -S "$src" -B "$tmp/board" "${GEN[@]}" "${board[@]}" -DSIGNDPU_BUILD_BENCH=OFF >"$tmp/board.log" 2>&1; then
  grep -o 'signdpu: OpenCV .*' "$tmp/board.log" || true
  echo "ok: the board configuration (tests, bench, host tools off) configures against an OpenCV without dnn"
else
  bad "the board configuration needs OpenCV's dnn module:"; tail -n 15 "$tmp/board.log"
fi
if cmake -S "$src" -B "$tmp/bench" "${GEN[@]}" "${board[@]}" -DSIGNDPU_BUILD_BENCH=ON >"$tmp/bench.log" 2>&1; then
  bad "control: with benchmarks on, the configure did not ask for dnn (the stand-in OpenCV is not used?)"
elif grep -q 'no dnn module' "$tmp/bench.log"; then
  echo "ok: control: with benchmarks on the same configure fails on the missing dnn module"
else
  bad "control: configure with benchmarks failed for another reason:"; tail -n 15 "$tmp/bench.log"
fi
exit "$fail"
