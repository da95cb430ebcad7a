#!/usr/bin/env bash
# Installs the Debian 12 packages the project needs on the build host.
# Non-interactive and idempotent. Never installs arm64 -dev packages on the
# host (they silently remove the amd64 glog/xir/vart stack; see
# docs/deployment.md): cross builds use scripts/make-sysroot.sh.
#
#   scripts/setup-deps.sh            # full set: everything scripts/test.sh needs
#   scripts/setup-deps.sh --runtime  # only what scripts/run-default.sh needs:
#                                    # build the app, quantiser and emulator,
#                                    # prepare the data (no torch, qemu, cross
#                                    # compilers, clang, test or benchmark libraries)
#   scripts/setup-deps.sh --list [--runtime]   # print the package names, install nothing
# Environment: SIGNDPU_SKIP_APT=1 installs nothing.
set -euo pipefail

SET=full
LIST=0
for arg in "$@"; do
  case "$arg" in
    --runtime) SET=runtime ;;
    --full) SET=full ;;
    --list) LIST=1 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup-deps: unknown argument '$arg' (use --runtime, --full or --list)" >&2; exit 2 ;;
  esac
done

# What scripts/run-default.sh builds and runs: CMake with
# -DSIGNDPU_BUILD_TESTS=OFF -DSIGNDPU_BUILD_BENCH=OFF (top-level CMakeLists.txt:
# OpenCV core/imgproc/imgcodecs/videoio/highgui, no dnn), the quantiser (ONNX,
# protobuf), scripts/prepare-data.sh (python3 + numpy, the Fashion-MNIST package).
RUNTIME_PKGS=(
  build-essential cmake ninja-build pkg-config ca-certificates
  # Vitis AI 2.5 runtime (real VART/XIR) and its logging stack
  libvart-dev libxir-dev libunilog-dev libgoogle-glog-dev libgflags-dev
  libtarget-factory-dev libprotobuf-dev protobuf-compiler
  # images, camera, video
  libopencv-dev
  # ONNX import (the quantiser)
  libonnx-dev
  # CLI, JSON, HTTP server of `signdpu run --serve` (civetweb)
  libcli11-dev nlohmann-json3-dev libcivetweb-dev
  # data set (Fashion-MNIST, same geometry as Sign Language MNIST) and its converter
  dataset-fashion-mnist python3-numpy
)
# Everything else scripts/test.sh (and CI's optional suites) use.
TEST_PKGS=(
  git
  # XIR/VART command-line tools (xir dump_txt/subgraph in tests, compile_zcu104.sh)
  libxir-utils vart-bin
  # ONNX's own conformance data
  libonnx-testdata
  # tests, benchmarks, systemd unit checks
  libgtest-dev libgmock-dev libbenchmark-dev libsystemd-dev systemd
  # build-stage training and ONNX tests (/usr/bin/python3 only)
  python3-torch python3-onnx
  # tooling used by tests and scripts (file: ELF checks of scripts/deploy.sh)
  clang libclang-rt-14-dev xxd time file
  # compiler cache: repeat builds of the suites (CMake option SIGNDPU_CCACHE)
  ccache
  # headless browser for the report.html and live view tests (tests/browser/chromium.sh);
  # HTTP client and socket relay of the --serve/--results tests (tests/app/live_e2e.sh)
  chromium curl socat
  # cross builds (Debian arm64 sysroot + qemu; scripts/make-sysroot.sh, scripts/cross-test.sh)
  g++-aarch64-linux-gnu qemu-user mmdebstrap
)

PKGS=("${RUNTIME_PKGS[@]}")
[[ "$SET" == full ]] && PKGS+=("${TEST_PKGS[@]}")

if ((LIST)); then
  printf '%s\n' "${PKGS[@]}"
  exit 0
fi

if [[ "${SIGNDPU_SKIP_APT:-0}" == "1" ]]; then
  echo "setup-deps: SIGNDPU_SKIP_APT=1, not installing packages"
  exit 0
fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup-deps: all ${#PKGS[@]} packages of the $SET set already installed"
  exit 0
fi

echo "setup-deps: installing ${#missing[@]} packages ($SET set): ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup-deps: done"
