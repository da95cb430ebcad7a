// A stand-in for Vitis AI's libvart-dpu-controller.so.2, for one test only:
// it lets the start-up check of `signdpu run --mode run` read "the board's"
// DPU fingerprints on a PC, through the same dlopen + dlsym +
// xir::DpuController::get_instance() path it uses on a board
// (src/app/model.cc ReadBoardFingerprints). Built into its own folder and
// put first with LD_LIBRARY_PATH by board_mode_e2e.sh (case run_fingerprint).
//   SIGNDPU_FAKE_DPU_FINGERPRINTS="0x101000056010407 0x101000056010407"
// gives one core per value. It implements only what the probe calls; it is
// never loaded together with Xilinx's real DPU runner in a passing test.
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>
#include <xir/dpu_controller.hpp>

namespace xir {

DpuController::DpuController() = default;
DpuController::~DpuController() = default;
std::string DpuController::get_full_name(size_t) const { return "fake"; }
std::string DpuController::get_kernel_name(size_t) const { return "fake"; }
std::string DpuController::get_instance_name(size_t) const { return "fake"; }
void DpuController::registar(const std::string&, std::function<std::shared_ptr<DpuController>()>) {}

namespace {

class FakeController final : public DpuController {
 public:
  FakeController() {
    std::istringstream in(std::getenv("SIGNDPU_FAKE_DPU_FINGERPRINTS") ? std::getenv("SIGNDPU_FAKE_DPU_FINGERPRINTS")
                                                                      : "");
    std::string word;
    while (in >> word) fingerprints_.push_back(std::strtoull(word.c_str(), nullptr, 0));
  }
  size_t get_num_of_dpus() const override { return fingerprints_.size(); }
  size_t get_device_id(size_t) const override { return 0; }
  size_t get_core_id(size_t core) const override { return core; }
  uint64_t get_fingerprint(size_t core) const override { return fingerprints_.at(core); }
  void run(size_t, const uint64_t, const std::vector<uint64_t>&) override { std::abort(); }

 private:
  std::vector<uint64_t> fingerprints_;
};

}  // namespace

std::shared_ptr<DpuController> DpuController::get_instance() { return std::make_shared<FakeController>(); }

}  // namespace xir
