// Board mode of the emulator: environment options that make the plugin behave
// like Xilinx's edge DPU runner in the ways a board run depends on, so that CI
// tests those behaviours through the real libvart (docs/emulator.md, "Board
// mode"). Header-only: the app reads the same fingerprint without linking the
// plugin (libvart dlopen()s the plugin; the app must not link it).
//
//   SIGNDPU_EMU_FINGERPRINT=0x...  the DPU fingerprint the emulated board has.
//       execute_async refuses a model whose subgraph `dpu_fingerprint`
//       differs (VART 2.5 does this check in execute, as a glog FATAL:
//       dpu-runner/src/dpu_runner_base_imp.cpp:648-650, compare at 660-684;
//       the emulator returns an error status instead of aborting). A model
//       or board fingerprint of 0 disables the check, as in VART (:665-674).
//   SIGNDPU_EMU_SYNC=1   run the job inside execute_async; wait returns at
//       once (the edge runner: dpu-runner/src/imp/dpu_runner_ddr.cpp:172-187
//       runs start_dpu2 inside execute_async, and wait at :212 returns 0).
//   SIGNDPU_EMU_STALL_MS=N  every job sleeps N ms first (an injectable hang,
//       0..3600000).
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "signdpu/core/status.h"

namespace signdpu::emu {

inline constexpr const char* kFingerprintEnv = "SIGNDPU_EMU_FINGERPRINT";
inline constexpr const char* kSyncEnv = "SIGNDPU_EMU_SYNC";
inline constexpr const char* kStallEnv = "SIGNDPU_EMU_STALL_MS";
inline constexpr int kMaxStallMs = 3600000;

// "0x101000016010407" or a decimal number; nullopt when unset or empty.
inline Result<std::optional<uint64_t>> ParseFingerprintText(const std::string& what, const char* text) {
  if (text == nullptr || text[0] == '\0') return std::optional<uint64_t>();
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text, &end, 0);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-')
    return InvalidArgument(what + "='" + text + "': expected a fingerprint such as 0x101000016010407");
  return std::optional<uint64_t>(static_cast<uint64_t>(v));
}

inline Result<std::optional<uint64_t>> BoardFingerprintFromEnv() {
  return ParseFingerprintText(kFingerprintEnv, std::getenv(kFingerprintEnv));
}

}  // namespace signdpu::emu
