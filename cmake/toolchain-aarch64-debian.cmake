# Cross toolchain: Debian 12 aarch64 (g++-aarch64-linux-gnu) against a Debian
# arm64 sysroot made by scripts/make-sysroot.sh. Tests run under qemu-user.
#
#   cmake -S . -B build-arm64 -G Ninja \
#     -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64-debian.cmake \
#     -DSIGNDPU_SYSROOT=/var/cache/signdpu/sysroot-arm64 \
#     -DSIGNDPU_BUILD_HOST_TOOLS=OFF
#
# A binary built this way targets a Debian arm64 rootfs. Board images built
# with PetaLinux use the SDK's own toolchain file instead
# ($OE_CMAKE_TOOLCHAIN_FILE, see docs/deployment.md).

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

# The sysroot: -DSIGNDPU_SYSROOT=..., else $SIGNDPU_SYSROOT, else the cache
# location make-sysroot.sh uses by default. Kept in the cache so try_compile
# projects (which re-read this file) see the same value.
if(NOT SIGNDPU_SYSROOT)
  if(DEFINED ENV{SIGNDPU_SYSROOT})
    set(SIGNDPU_SYSROOT "$ENV{SIGNDPU_SYSROOT}")
  else()
    set(SIGNDPU_SYSROOT "/var/cache/signdpu/sysroot-arm64")
  endif()
endif()
set(SIGNDPU_SYSROOT "${SIGNDPU_SYSROOT}" CACHE PATH "Debian arm64 sysroot (scripts/make-sysroot.sh)")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES SIGNDPU_SYSROOT)
if(NOT EXISTS "${SIGNDPU_SYSROOT}/usr/lib/aarch64-linux-gnu")
  message(FATAL_ERROR "No arm64 sysroot at '${SIGNDPU_SYSROOT}': run scripts/make-sysroot.sh first")
endif()

set(CMAKE_SYSROOT "${SIGNDPU_SYSROOT}")
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Headers, libraries and CMake packages only from the sysroot; programs
# (protoc, pkg-config) from the host.
set(CMAKE_FIND_ROOT_PATH "${SIGNDPU_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# The host's pkg-config must read the sysroot's .pc files and prefix their
# paths with the sysroot (libsystemd.pc, opencv4.pc).
set(ENV{PKG_CONFIG_DIR} "")
set(ENV{PKG_CONFIG_LIBDIR}
  "${SIGNDPU_SYSROOT}/usr/lib/aarch64-linux-gnu/pkgconfig:${SIGNDPU_SYSROOT}/usr/lib/pkgconfig:${SIGNDPU_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${SIGNDPU_SYSROOT}")

# Shared libraries that the sysroot's libraries need (NEEDED of NEEDED) are
# found through --sysroot; -rpath-link makes that explicit for ld.bfd, which
# otherwise ignores the multiarch directories of the sysroot for indirect deps.
set(_signdpu_rpath_link
  "-Wl,-rpath-link,${SIGNDPU_SYSROOT}/usr/lib/aarch64-linux-gnu:${SIGNDPU_SYSROOT}/lib/aarch64-linux-gnu")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${_signdpu_rpath_link}")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "${_signdpu_rpath_link}")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "${_signdpu_rpath_link}")

# ctest and gtest_discover_tests run aarch64 programs through qemu-user, with
# the sysroot as the dynamic loader's root.
find_program(SIGNDPU_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static)
if(SIGNDPU_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${SIGNDPU_QEMU_AARCH64};-L;${SIGNDPU_SYSROOT}")
else()
  message(WARNING "qemu-aarch64 not found (package qemu-user): tests cannot run on this host")
endif()
