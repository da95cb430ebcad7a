#include "signdpu/fixpoint/fixpoint.h"

#include <cstring>

namespace signdpu {

const char* RoundModeName(RoundMode mode) {
  switch (mode) {
    case RoundMode::kStd: return "STD_ROUND";
    case RoundMode::kDpu: return "DPU_ROUND";
    case RoundMode::kPy3: return "PY3_ROUND";
  }
  return "DPU_ROUND";
}

bool ParseRoundMode(const char* name, RoundMode* mode) {
  if (std::strcmp(name, "STD_ROUND") == 0) { *mode = RoundMode::kStd; return true; }
  if (std::strcmp(name, "DPU_ROUND") == 0) { *mode = RoundMode::kDpu; return true; }
  if (std::strcmp(name, "PY3_ROUND") == 0) { *mode = RoundMode::kPy3; return true; }
  return false;
}

}  // namespace signdpu
