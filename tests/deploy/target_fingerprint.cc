// Prints what the Vitis AI target-factory linked here (Debian: 2.5) gives for
// a DPU target: "<name> 0x<fingerprint>". deploy_target_fingerprint compares
// it with the values scripts/deploy.sh and scripts/compile_zcu104.sh use for
// the Vitis AI 2.5 ZCU104 image.
//   target_fingerprint [TARGET]   (default DPUCZDX8G_ISA1_B4096)
#include <cinttypes>
#include <cstdio>
#include <exception>
#include <string>

#include <vitis/ai/target_factory.hpp>

int main(int argc, char** argv) {
  const std::string name = argc > 1 ? argv[1] : "DPUCZDX8G_ISA1_B4096";
  try {
    // target_factory() aborts (glog FATAL) on an unknown name; callers only
    // pass names registered in every 2.5 build (targets/*.prototxt).
    const std::uint64_t fp = vitis::ai::target_factory()->get_fingerprint(name);
    std::printf("%s 0x%" PRIx64 "\n", name.c_str(), fp);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "target_fingerprint: %s: %s\n", name.c_str(), e.what());
    return 1;
  }
  return 0;
}
