# signdpu: hand-sign classifier for the ZCU104 DPU (DPUCZDX8G B4096), with its
# systemd service. UNVERIFIED: written without a PetaLinux installation (see
# petalinux/README.md). Targets PetaLinux 2022.1 (Yocto honister, ':' overrides)
# with the Vitis AI 2.5 recipes (recipes-vitis-ai) in meta-user: the release
# whose VART/XIR Debian packages this code is built and tested against.
# PetaLinux 2022.2 with the Vitis AI 3.0 recipes is the documented alternative
# (petalinux/README.md, "Versions"); the model must then be compiled by 3.0.

SUMMARY = "signdpu: int8 CNN hand-sign classifier on the ZCU104 DPU, as a systemd service"
LICENSE = "CLOSED"
# If the project adopts a licence, set LICENSE and LIC_FILES_CHKSUM instead.

# ---- source ------------------------------------------------------------------
# The signdpu checkout is used in place through externalsrc: set in
# project-spec/meta-user/conf/petalinuxbsp.conf
#   INHERIT += "externalsrc"
#   EXTERNALSRC:pn-signdpu = "/absolute/path/to/signdpu"
#   EXTERNALSRC_BUILD:pn-signdpu = "${WORKDIR}/build"
# externalsrc keeps the local file:// entries below. Alternatively replace this
# with SRC_URI = "git://<server>/signdpu.git;protocol=https;branch=main",
# SRCREV = "<commit>" and S = "${WORKDIR}/git".
#
# The compiled board model: files/signdpu_zcu104.xmodel next to this recipe,
# produced by scripts/compile_zcu104.sh (vai_c_xir with the ZCU104 arch.json,
# DPUCZDX8G B4096) in the Vitis AI 2.5 docker (fingerprint 0x101000016010407)
# and renamed to signdpu_zcu104.xmodel. It is not in git (a build artefact);
# the build fails at do_fetch until it is there.
SRC_URI = "file://signdpu_zcu104.xmodel"

# ---- build -------------------------------------------------------------------
inherit cmake systemd pkgconfig

# Names in meta-oe / meta-vitis-ai (Vitis AI 2.5 recipes-vitis-ai). cli11 in
# honister's meta-oe is 1.9.x; if the app needs CLI11 2.x, add a newer recipe.
# No libsystemd: the app speaks the sd_notify protocol itself (io/service_notifier).
# opencv: meta-oe's recipe as it is. The board configuration below asks CMake
# for core, imgproc, imgcodecs, videoio and highgui only (top-level
# CMakeLists.txt; dnn only with tests or benchmarks), which meta-oe's default
# PACKAGECONFIG builds (jpeg, png, v4l/libv4l, gstreamer; gtk with x11) without
# the dnn PACKAGECONFIG [inferred: meta-oe's opencv_4.5 recipe of honister was
# not available to read here]. ctest deploy_petalinux_recipe configures this
# configuration against an OpenCV without dnn.
# protobuf: XIR and target-factory link it (their CMake packages need it).
# civetweb: the HTTP server of `signdpu run --serve` (C API only), from
# meta-networking: recipes-connectivity/civetweb/civetweb_git.bb in honister
# (1.12+git; civetweb_1.16.bb in later releases). cpp-httplib, the first
# choice, has no recipe in meta-openembedded (docs/deployment.md).
DEPENDS = " \
    vart xir unilog target-factory glog gflags protobuf \
    opencv nlohmann-json cli11 civetweb \
"

# The board build: no host-only build stage (ONNX import, quantiser), no tests,
# no benchmarks. The model and the unit dir come from the recipe.
EXTRA_OECMAKE += " \
    -DCMAKE_BUILD_TYPE=Release \
    -DSIGNDPU_BUILD_HOST_TOOLS=OFF \
    -DSIGNDPU_BUILD_TESTS=OFF \
    -DSIGNDPU_BUILD_BENCH=OFF \
    -DSIGNDPU_WERROR=OFF \
    -DSIGNDPU_CCACHE=OFF \
    -DSIGNDPU_SYSTEMD_UNITDIR=${systemd_system_unitdir} \
    -DSIGNDPU_SYSUSERS_DIR=${nonarch_libdir}/sysusers.d \
    -DSIGNDPU_BOARD_XMODEL=${WORKDIR}/signdpu_zcu104.xmodel \
"

# `cmake --install` (cmake.bbclass do_install) puts everything in place:
#   ${bindir}/signdpu                                   the app
#   ${libdir}/libvart-signdpu-emu-runner.so             emulator runner plugin (the app links it; SIGNDPU_MODE=ref/auto)
#   ${libdir}/libsigndpu-media.so                       camera/video/display module, dlopen'ed by the app
#   ${systemd_system_unitdir}/signdpu.service           the unit
#   ${sysconfdir}/signdpu/signdpu.conf                  its configuration
#   ${nonarch_libdir}/sysusers.d/signdpu.conf           groups video, render
#   ${datadir}/signdpu/labels.txt
#   ${datadir}/signdpu/systemd/signdpu-serve.conf       drop-in that turns --serve and the network on
#   ${datadir}/signdpu/models/signdpu_zcu104.xmodel
#   ${docdir}/signdpu/deployment.md
do_install:append() {
    # Headers, static libraries and CMake package files of the signdpu
    # libraries are for host development only.
    rm -rf ${D}${includedir} ${D}${libdir}/cmake
    rm -f ${D}${libdir}/libsigndpu_*.a
}

# ---- packaging ---------------------------------------------------------------
SYSTEMD_SERVICE:${PN} = "signdpu.service"
SYSTEMD_AUTO_ENABLE:${PN} = "enable"

# The runner plugin is dlopen'ed by VART by its plain .so name, like VART's own
# libvart-dpu-runner.so, and the media module by the app (--camera): both are
# unversioned .so files that belong in the runtime package.
FILES_SOLIBSDEV = ""
INSANE_SKIP:${PN} += "dev-so"
FILES:${PN} += " \
    ${libdir}/libvart-*.so \
    ${libdir}/libsigndpu-media.so \
    ${systemd_system_unitdir}/signdpu.service \
    ${sysconfdir}/signdpu \
    ${nonarch_libdir}/sysusers.d/signdpu.conf \
    ${datadir}/signdpu \
"
CONFFILES:${PN} = "${sysconfdir}/signdpu/signdpu.conf"

# Shared-library dependencies are found automatically; these are loaded at run
# time: VART's DPU runner (libvart-dpu-runner.so, dlopen'ed) needs XRT, which
# talks to the DPU through the zocl kernel module (/dev/dri/renderD128).
RDEPENDS:${PN} += "vart xir unilog target-factory xrt"
RRECOMMENDS:${PN} += "zocl"
