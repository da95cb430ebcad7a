// Frame sources: image folders, video files, and the camera path's recovery
// (a live source that disappears is reopened with back-off, then fails with
// one clear error).
#include "signdpu/io/frame_source.h"

#include <gtest/gtest.h>

#include <filesystem>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "signdpu/io/preprocess.h"

namespace signdpu::io {
namespace {

namespace fs = std::filesystem;

std::string TempDir(const std::string& name) {
  const fs::path p = fs::path(::testing::TempDir()) / ("frames_" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

std::string WriteVideo(const std::string& dir, int frames) {
  const std::string path = dir + "/v.avi";
  cv::VideoWriter w(path, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, cv::Size(64, 48));
  EXPECT_TRUE(w.isOpened());
  for (int i = 0; i < frames; ++i) w.write(cv::Mat(48, 64, CV_8UC3, cv::Scalar(i * 10, 0, 0)));
  return path;
}

int Drain(FrameSource& s, Status* error) {
  int n = 0;
  Frame f;
  while (true) {
    auto got = s.Next(&f);
    if (!got.ok()) {
      *error = got.status();
      return n;
    }
    if (!got.value()) return n;
    EXPECT_EQ(f.index, n);
    ++n;
  }
}

TEST(FrameSource, VideoFileEndsNormally) {
  const std::string dir = TempDir("video");
  auto src = OpenVideoSource(WriteVideo(dir, 7));
  ASSERT_TRUE(src.ok()) << src.status().message();
  Status err;
  EXPECT_EQ(Drain(**src, &err), 7);
  EXPECT_TRUE(err.ok());
}

TEST(FrameSource, LiveSourceThatDisappearsFailsAfterRetries) {
  const std::string dir = TempDir("live");
  const std::string path = WriteVideo(dir, 5);
  CameraOptions o;
  o.max_retries = 2;
  o.first_backoff = std::chrono::milliseconds(10);
  auto src = OpenLiveFileSourceForTest(path, o);
  ASSERT_TRUE(src.ok()) << src.status().message();
  fs::remove(path);  // the "camera" is unplugged
  Status err;
  EXPECT_EQ(Drain(**src, &err), 5);
  ASSERT_FALSE(err.ok());
  EXPECT_NE(err.message().find("stream ended after 5 frames; 2 reopen attempts failed"), std::string::npos)
      << err.message();
}

TEST(FrameSource, LiveSourceRecoversWhenTheDeviceComesBack) {
  const std::string dir = TempDir("recover");
  const std::string path = WriteVideo(dir, 3);
  CameraOptions o;
  o.max_retries = 3;
  o.first_backoff = std::chrono::milliseconds(5);
  auto src = OpenLiveFileSourceForTest(path, o);
  ASSERT_TRUE(src.ok());
  Frame f;
  for (int i = 0; i < 8; ++i) {  // past the end: reopened, frames continue
    auto got = (*src)->Next(&f);
    ASSERT_TRUE(got.ok() && got.value()) << i;
  }
  EXPECT_EQ(f.index, 7);
}

TEST(FrameSource, ImageFolderSortedAndSkipBad) {
  const std::string dir = TempDir("images");
  cv::imwrite(dir + "/b.png", cv::Mat(30, 40, CV_8UC1, cv::Scalar(9)));
  cv::imwrite(dir + "/a.png", cv::Mat(30, 40, CV_8UC3, cv::Scalar(1, 2, 3)));
  std::FILE* f = std::fopen((dir + "/c.png").c_str(), "w");
  std::fputs("not a png", f);
  std::fclose(f);
  auto strict = OpenImageDirSource(dir, false);
  ASSERT_TRUE(strict.ok());
  Status err;
  EXPECT_EQ(Drain(**strict, &err), 2);
  EXPECT_NE(err.message().find("c.png: not a readable 8-bit image"), std::string::npos) << err.message();
  auto lenient = OpenImageDirSource(dir, true);
  ASSERT_TRUE(lenient.ok());
  err = Status::Ok();
  EXPECT_EQ(Drain(**lenient, &err), 2);
  EXPECT_TRUE(err.ok());
  EXPECT_EQ((*lenient)->skipped(), 1);
}

TEST(FrameSource, ErrorsNameTheInput) {
  auto cam = OpenCameraSource("/dev/video99", {});
  ASSERT_FALSE(cam.ok());
  EXPECT_NE(cam.status().message().find("/dev/video99"), std::string::npos);
  auto bad = OpenCameraSource("webcam", {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("--camera 'webcam'"), std::string::npos);
  EXPECT_FALSE(OpenVideoSource("/nonexistent.avi").ok());
  EXPECT_FALSE(OpenImageDirSource("/nonexistent", false).ok());
  const std::string empty = TempDir("empty");
  auto none = OpenImageDirSource(empty, false);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no image files"), std::string::npos);
}

TEST(Preprocess, CentreSquareResizeAndQuantise) {
  // 40x30 BGR frame: left 5 columns white, the centre 30x30 square mid-gray.
  cv::Mat img(30, 40, CV_8UC3, cv::Scalar(128, 128, 128));
  img(cv::Rect(0, 0, 5, 30)).setTo(cv::Scalar(255, 255, 255));
  PreprocessConfig c;
  c.height = c.width = 3;
  c.fix_point = 7;
  std::vector<int8_t> out(9);
  ASSERT_TRUE(PreprocessImage(img, c, out.data()).ok());
  // 128 / 255 * 128 = 64.25 -> 64; the white strip is outside the centre square.
  for (int8_t v : out) EXPECT_EQ(v, 64);
  c.roi.centre_square = false;
  c.roi.width = -1;  // full frame: the white strip now reaches the left column
  ASSERT_TRUE(PreprocessImage(img, c, out.data()).ok());
  EXPECT_GT(out[0], 64);
  auto roi = ParseRoi("50,0,10,10");
  ASSERT_TRUE(roi.ok());
  c.roi = *roi;
  Status s = PreprocessImage(img, c, out.data());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("outside the 40x30 frame"), std::string::npos) << s.message();
  EXPECT_FALSE(PreprocessImage(cv::Mat(), c, out.data()).ok());
  EXPECT_FALSE(PreprocessImage(cv::Mat(4, 4, CV_16UC1), c, out.data()).ok());
  EXPECT_FALSE(ParseRoi("1,2").ok());
}

TEST(Preprocess, PixelsUseDpuRoundingNotACast) {
  // fix_point 7: p / 255 * 128. p = 255 -> 128 saturates to 127 (a bare cast
  // would wrap to -128); p = 1 -> 0.502 -> 1.
  PreprocessConfig c;
  c.height = 1;
  c.width = 3;
  c.fix_point = 7;
  std::vector<int8_t> out(3);
  ASSERT_TRUE(PreprocessPixels({0, 1, 255}, c, out.data()).ok());
  EXPECT_EQ(out, (std::vector<int8_t>{0, 1, 127}));
  c.fix_point = -2;  // real = 4q: everything below 2 rounds to 0
  ASSERT_TRUE(PreprocessPixels({0, 1, 255}, c, out.data()).ok());
  EXPECT_EQ(out, (std::vector<int8_t>{0, 0, 0}));
  Status s = PreprocessPixels({1, 2}, c, out.data());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("frame has 2 pixels, the model input needs 1x3"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace signdpu::io
