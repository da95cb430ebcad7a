// Test helper: turns CSV rows into an image folder (PNG, upscaled 4x and put
// in a wider frame, so ROI + resize are exercised) and an MJPG video, the
// inputs of the camera-path tests.
//   make_test_media CSV OUT_DIR N
#include <cstdio>
#include <filesystem>
#include <string>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "signdpu/io/csv_reader.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: make_test_media CSV OUT_DIR N\n");
    return 2;
  }
  auto frames = signdpu::io::ReadCsvFile(argv[1], {}, std::stoll(argv[3]));
  if (!frames.ok()) {
    std::fprintf(stderr, "%s\n", frames.status().message().c_str());
    return 1;
  }
  const std::filesystem::path out = argv[2];
  std::filesystem::create_directories(out / "images");
  cv::VideoWriter video((out / "frames.avi").string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10,
                        cv::Size(160, 112));
  if (!video.isOpened()) {
    std::fprintf(stderr, "cannot open a video writer\n");
    return 1;
  }
  int i = 0;
  for (const auto& f : *frames) {
    cv::Mat gray(28, 28, CV_8UC1, const_cast<uint8_t*>(f.pixels.data()));
    cv::Mat big;
    cv::resize(gray, big, cv::Size(112, 112), 0, 0, cv::INTER_NEAREST);
    cv::Mat frame(112, 160, CV_8UC3, cv::Scalar(0, 0, 0));  // centre square = the sign
    cv::Mat bgr;
    cv::cvtColor(big, bgr, cv::COLOR_GRAY2BGR);
    bgr.copyTo(frame(cv::Rect(24, 0, 112, 112)));
    char name[64];
    std::snprintf(name, sizeof name, "img_%04d_label%d.png", i++, f.label);
    cv::imwrite((out / "images" / name).string(), frame);
    video.write(frame);
  }
  std::printf("wrote %d images and frames.avi to %s\n", i, out.c_str());
  return 0;
}
