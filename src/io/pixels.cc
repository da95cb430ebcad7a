#include "signdpu/io/pixels.h"

#include <limits>
#include <string_view>
#include <vector>

#include "signdpu/core/json_text.h"
#include "signdpu/core/number_parse.h"
#include "signdpu/fixpoint/fixpoint.h"

namespace signdpu::io {

Result<Roi> ParseRoi(const std::string& text) {
  Roi r;
  if (text.empty()) return InvalidArgument("--roi: empty value, expected centre, full or X,Y,W,H");
  if (text == "centre" || text == "center") return r;
  if (text == "full") {
    r.centre_square = false;
    r.width = r.height = -1;  // whole frame
    return r;
  }
  // X,Y,W,H: four fields, each parsed whole and range-checked in 64 bits
  // (the checked parser), so that nothing wraps before the bounds check.
  std::vector<std::string_view> fields;
  std::string_view rest = text;
  for (;;) {
    const size_t comma = rest.find(',');
    fields.push_back(rest.substr(0, comma));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (fields.size() != 4)
    return InvalidArgument("--roi '" + PrintableText(text) + "': expected centre, full or X,Y,W,H with W, H > 0");
  static const char* kNames[4] = {"--roi X", "--roi Y", "--roi W", "--roi H"};
  int64_t v[4];
  for (int i = 0; i < 4; ++i) {
    SIGNDPU_ASSIGN_OR_RETURN(v[i], ParseInt64(fields[static_cast<size_t>(i)], kNames[i], i < 2 ? 0 : 1,
                                              std::numeric_limits<int>::max()));
  }
  r.centre_square = false;
  r.x = static_cast<int>(v[0]);
  r.y = static_cast<int>(v[1]);
  r.width = static_cast<int>(v[2]);
  r.height = static_cast<int>(v[3]);
  return r;
}

namespace {

// DPU_ROUND quantisation of (pixel - mean) * scale with a 256-entry table,
// computed once per (fix point, mean, scale).
struct PixelTableCache {
  int fix_point = 1 << 30;
  float mean = 0.0f, scale = 0.0f;
  int8_t q[256];
  const int8_t* For(int fp, float m, float s) {
    if (fp != fix_point || m != mean || s != scale) {
      for (int p = 0; p < 256; ++p) q[p] = QuantizeDpu((static_cast<float>(p) - m) * s, fp);
      fix_point = fp;
      mean = m;
      scale = s;
    }
    return q;
  }
};

thread_local PixelTableCache t_table;

}  // namespace

const int8_t* PixelTable(int fix_point, float mean, float scale) { return t_table.For(fix_point, mean, scale); }

Status PreprocessPixels(const std::vector<uint8_t>& pixels, const PreprocessConfig& config, int8_t* out) {
  if (static_cast<int64_t>(pixels.size()) != int64_t{config.height} * config.width)
    return InvalidArgument("frame has " + std::to_string(pixels.size()) + " pixels, the model input needs " +
                           std::to_string(config.height) + "x" + std::to_string(config.width));
  const int8_t* table = PixelTable(config.fix_point, config.mean, config.scale);
  for (size_t i = 0; i < pixels.size(); ++i) out[i] = table[pixels[i]];
  return Status::Ok();
}

}  // namespace signdpu::io
