#!/usr/bin/env bash
# Installs every Debian 12 package the project needs on the build host.
# Non-interactive and idempotent. Never installs arm64 -dev packages on the
# host (they silently remove the amd64 glog/xir/vart stack; see
# docs/deployment.md and platform-notes): cross builds use scripts/make-sysroot.sh.
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  # Vitis AI 2.5 runtime (real VART/XIR) and its logging stack
  libvart-dev libxir-dev libunilog-dev libgoogle-glog-dev libgflags-dev
  libxir-utils vart-bin libtarget-factory-dev libprotobuf-dev protobuf-compiler
  # images, camera, video
  libopencv-dev
  # ONNX import and ONNX's own conformance data
  libonnx-dev libonnx-testdata
  # tests, benchmarks, CLI, JSON, systemd
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev libsystemd-dev systemd
  # data set (Fashion-MNIST, same geometry as Sign Language MNIST)
  dataset-fashion-mnist
  # build-stage training (optional at run time; /usr/bin/python3 only)
  python3-torch python3-numpy python3-onnx
  # tooling used by tests and scripts
  clang libclang-rt-14-dev xxd time
  # cross builds (Debian arm64 sysroot + qemu; scripts/make-sysroot.sh, scripts/cross-test.sh)
  g++-aarch64-linux-gnu qemu-user mmdebstrap
)

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
  echo "setup-deps: all ${#PKGS[@]} packages already installed"
  exit 0
fi

echo "setup-deps: installing ${#missing[@]} packages: ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup-deps: done"
