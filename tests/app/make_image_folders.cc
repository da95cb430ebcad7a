// Test helper: CSV rows -> image folders, in formats and sizes that the
// runner's preprocessing (centre-square ROI, gray, INTER_AREA resize) brings
// back to exactly the row's 28x28 pixels, so that accuracies and fix points
// can be compared with the CSV's:
//   make_image_folders CSV OUT_DIR N flat     OUT/img_00000.<png|bmp|pgm|tif>, 28x28, in row order
//   make_image_folders CSV OUT_DIR N classes  OUT/<class>/img_00000.<ext>: class 1 as "Trouser", the
//                                             others by number; sizes 28x28, 56x56 and 84x84 (pixels
//                                             repeated), 28x40 (rows added above and below), gray or
//                                             BGR with equal channels (PGM: gray)
//   make_image_folders CSV OUT_DIR N camera   OUT/cam_00000.png, 160x112 BGR (the sign 4x in the
//                                             centre square), unlabelled
#include <cstdio>
#include <filesystem>
#include <string>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "signdpu/io/csv_reader.h"

namespace {

const char* const kFormats[] = {".png", ".bmp", ".pgm", ".tif"};

// Variant v of a 28x28 picture that preprocesses back to it exactly.
cv::Mat Variant(const cv::Mat& gray, int v, bool gray_only) {
  cv::Mat out;
  switch (v % 4) {
    case 0: out = gray.clone(); break;
    case 1: cv::resize(gray, out, cv::Size(56, 56), 0, 0, cv::INTER_NEAREST); break;
    case 2: cv::copyMakeBorder(gray, out, 6, 6, 0, 0, cv::BORDER_CONSTANT, cv::Scalar(200)); break;  // 28 wide, 40 high
    default: cv::resize(gray, out, cv::Size(84, 84), 0, 0, cv::INTER_NEAREST); break;
  }
  if (!gray_only && (v / 4) % 2 == 1) cv::cvtColor(out, out, cv::COLOR_GRAY2BGR);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: make_image_folders CSV OUT_DIR N flat|classes|camera\n");
    return 2;
  }
  auto frames = signdpu::io::ReadCsvFile(argv[1], {}, std::stoll(argv[3]));
  if (!frames.ok()) {
    std::fprintf(stderr, "%s\n", frames.status().message().c_str());
    return 1;
  }
  const std::filesystem::path out = argv[2];
  const std::string mode = argv[4];
  std::filesystem::create_directories(out);
  int i = 0;
  for (const auto& f : *frames) {
    cv::Mat gray(28, 28, CV_8UC1, const_cast<uint8_t*>(f.pixels.data()));
    char name[64];
    bool ok = false;
    if (mode == "flat") {
      std::snprintf(name, sizeof name, "img_%05d%s", i, kFormats[i % 4]);
      ok = cv::imwrite((out / name).string(), gray);
    } else if (mode == "classes") {
      const std::string cls = f.label == 1 ? std::string("Trouser") : std::to_string(f.label);
      std::filesystem::create_directories(out / cls);
      const char* ext = kFormats[(i / 3) % 4];
      std::snprintf(name, sizeof name, "img_%05d%s", i, ext);
      ok = cv::imwrite((out / cls / name).string(), Variant(gray, i, std::string(ext) == ".pgm"));
    } else if (mode == "camera") {
      cv::Mat big, bgr;
      cv::resize(gray, big, cv::Size(112, 112), 0, 0, cv::INTER_NEAREST);
      cv::Mat frame(112, 160, CV_8UC3, cv::Scalar(0, 0, 0));
      cv::cvtColor(big, bgr, cv::COLOR_GRAY2BGR);
      bgr.copyTo(frame(cv::Rect(24, 0, 112, 112)));
      std::snprintf(name, sizeof name, "cam_%05d.png", i);
      ok = cv::imwrite((out / name).string(), frame);
    } else {
      std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
      return 2;
    }
    if (!ok) {
      std::fprintf(stderr, "cannot write %s\n", name);
      return 1;
    }
    ++i;
  }
  std::printf("wrote %d images to %s (%s)\n", i, out.c_str(), mode.c_str());
  return 0;
}
