// Is an encoded image complete? OpenCV's decoders (libpng, libjpeg) accept
// a file cut short: libjpeg warns "Premature end of JPEG file" and fills
// the rest of the picture with grey, so a truncated upload would be
// classified silently. The container formats say where they end, so the
// check is structural and cheap: PNG chunks are walked to IEND (length and
// type of every chunk within the file), JPEG segments and entropy-coded
// data to EOI, and a BMP must be as long as its header's file size.
// Other formats (PGM, TIFF) are left to the decoder.
#pragma once

#include <cstdint>
#include <string_view>

#include "signdpu/core/status.h"

namespace signdpu::io {

// OK when `bytes` is a complete PNG/JPEG/BMP, or another format; an
// InvalidArgument naming the format and what is missing otherwise.
Status CheckImageComplete(std::string_view bytes);

// The pixel budget, from the header before anything is decoded (a small
// PNG can declare 100000 x 100000 pixels): OK when `bytes` is a PNG, JPEG or
// BMP of at most `max_pixels` pixels, or another format (OpenCV's own limit,
// OPENCV_IO_MAX_IMAGE_PIXELS, applies to those: io/image_folder.h).
Status CheckImagePixels(std::string_view bytes, int64_t max_pixels);

}  // namespace signdpu::io
