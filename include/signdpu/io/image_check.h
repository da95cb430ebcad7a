// Is an encoded image complete? OpenCV's decoders (libpng, libjpeg) accept
// a file cut short: libjpeg warns "Premature end of JPEG file" and fills
// the rest of the picture with grey, so a truncated upload would be
// classified silently. The container formats say where they end, so the
// check is structural and cheap: PNG chunks are walked to IEND (length and
// type of every chunk within the file), JPEG segments and entropy-coded
// data to EOI, and a BMP must be as long as its header's file size.
// Other formats (PGM, TIFF) are left to the decoder.
#pragma once

#include <string_view>

#include "signdpu/core/status.h"

namespace signdpu::io {

// OK when `bytes` is a complete PNG/JPEG/BMP, or another format; an
// InvalidArgument naming the format and what is missing otherwise.
Status CheckImageComplete(std::string_view bytes);

}  // namespace signdpu::io
