// Frame sources: image folders, video files, and the camera path's recovery
// (a live source that disappears is reopened with back-off, then fails with
// one clear error).
#include "signdpu/io/frame_source.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "signdpu/io/image_check.h"
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

std::string Encode(const std::string& ext, const cv::Mat& img) {
  std::vector<uint8_t> buf;
  EXPECT_TRUE(cv::imencode(ext, img, buf));
  return std::string(buf.begin(), buf.end());
}

cv::Mat Noise(int rows, int cols) {
  cv::Mat m(rows, cols, CV_8UC3);
  cv::randu(m, 0, 255);
  return m;
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(ImageCheck, CompleteFilesPassCutFilesDoNot) {
  const cv::Mat img = Noise(64, 80);
  for (const std::string ext : {".png", ".jpg", ".bmp"}) {
    const std::string whole = Encode(ext, img);
    EXPECT_TRUE(CheckImageComplete(whole).ok()) << ext << ": " << CheckImageComplete(whole).message();
    // Cut anywhere after the signature: always detected.
    for (size_t keep : {whole.size() - 1, whole.size() - 2, whole.size() / 2, size_t{20}}) {
      Status s = CheckImageComplete(std::string_view(whole).substr(0, keep));
      EXPECT_FALSE(s.ok()) << ext << " cut to " << keep << " of " << whole.size();
      EXPECT_NE(s.message().find("truncated"), std::string::npos) << s.message();
    }
  }
  // Bytes after the end marker (camera trailers) are not truncation.
  EXPECT_TRUE(CheckImageComplete(Encode(".jpg", img) + "trailer").ok());
  // A progressive JPEG has several scans (SOS segments) before EOI.
  std::vector<uint8_t> prog;
  ASSERT_TRUE(cv::imencode(".jpg", img, prog, {cv::IMWRITE_JPEG_PROGRESSIVE, 1}));
  const std::string p(prog.begin(), prog.end());
  EXPECT_TRUE(CheckImageComplete(p).ok());
  EXPECT_FALSE(CheckImageComplete(std::string_view(p).substr(0, p.size() * 3 / 4)).ok());
  // Restart markers (FF D0..D7) inside the entropy-coded data are not the end.
  std::vector<uint8_t> rst;
  ASSERT_TRUE(cv::imencode(".jpg", img, rst, {cv::IMWRITE_JPEG_RST_INTERVAL, 1}));
  const std::string r(rst.begin(), rst.end());
  EXPECT_TRUE(CheckImageComplete(r).ok()) << CheckImageComplete(r).message();
  EXPECT_FALSE(CheckImageComplete(std::string_view(r).substr(0, r.size() / 2)).ok());
  // Unknown formats are left to the decoder; an empty file is not an image.
  EXPECT_TRUE(CheckImageComplete("P5\n1 1\n255\n\x01").ok());
  EXPECT_FALSE(CheckImageComplete("").ok());
}

TEST(FrameSource, TruncatedImagesAreBadNotDecodedSilently) {
  const std::string dir = TempDir("truncated");
  const std::string png = Encode(".png", Noise(48, 64)), jpg = Encode(".jpg", Noise(48, 64));
  WriteBytes(dir + "/a_whole.png", png);
  WriteBytes(dir + "/b_cut.jpg", jpg.substr(0, jpg.size() * 2 / 3));  // libjpeg alone would decode it
  WriteBytes(dir + "/c_cut.png", png.substr(0, png.size() - 20));
  auto strict = OpenImageDirSource(dir, false);
  ASSERT_TRUE(strict.ok());
  Status err;
  EXPECT_EQ(Drain(**strict, &err), 1);
  EXPECT_NE(err.message().find("b_cut.jpg: truncated JPEG"), std::string::npos) << err.message();
  auto lenient = OpenImageDirSource(dir, true);
  ASSERT_TRUE(lenient.ok());
  err = Status::Ok();
  EXPECT_EQ(Drain(**lenient, &err), 1);
  EXPECT_TRUE(err.ok()) << err.message();
  EXPECT_EQ((*lenient)->skipped(), 2);
  EXPECT_NE((*lenient)->first_skip_reason().find("b_cut.jpg"), std::string::npos) << (*lenient)->first_skip_reason();
}

TEST(FrameSource, SinkProbesFailBeforeARun) {
  // --record: a folder that does not exist is found before any frame.
  Status s = ProbeFrameSink(false, "/nonexistent/dir/out.avi");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("--record /nonexistent/dir/out.avi"), std::string::npos) << s.message();
  // A writable .avi passes, and the probe leaves no file behind.
  const std::string dir = TempDir("record");
  ASSERT_TRUE(ProbeFrameSink(false, dir + "/out.avi").ok());
  EXPECT_FALSE(fs::exists(dir + "/out.avi"));
  // --display without any display: one error with the --record hint.
  const char* saved = std::getenv("DISPLAY");
  const std::string saved_display = saved ? saved : "";
  const char* saved_w = std::getenv("WAYLAND_DISPLAY");
  const std::string saved_wayland = saved_w ? saved_w : "";
  ::unsetenv("DISPLAY");
  ::unsetenv("WAYLAND_DISPLAY");
  Status d = ProbeFrameSink(true, "");
  // A display that does not exist: the GUI back end fails (or aborts) in
  // the probe process, never in this one.
  ::setenv("DISPLAY", ":97", 1);
  Status d2 = ProbeFrameSink(true, "");
  if (saved) ::setenv("DISPLAY", saved_display.c_str(), 1); else ::unsetenv("DISPLAY");
  if (saved_w) ::setenv("WAYLAND_DISPLAY", saved_wayland.c_str(), 1);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.message().find("--display: no display"), std::string::npos) << d.message();
  EXPECT_NE(d.message().find("--record"), std::string::npos) << d.message();
  ASSERT_FALSE(d2.ok());
  EXPECT_NE(d2.message().find("--display: the GUI back end cannot open a window"), std::string::npos) << d2.message();
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

// x + w and y + h of user values must not wrap in int (a wrapped sum passed
// the old bounds check and read outside the image).
TEST(Preprocess, RoiArithmeticCannotOverflow) {
  const int kIntMax = std::numeric_limits<int>::max();
  cv::Mat img(30, 40, CV_8UC1, cv::Scalar(1));
  PreprocessConfig c;
  c.height = c.width = 3;
  std::vector<int8_t> out(9);
  for (const char* text : {"2147483647,0,2147483647,10", "10,10,2147483647,2147483647", "39,0,2147483647,1",
                           "0,2147483600,10,100"}) {
    auto roi = ParseRoi(text);
    ASSERT_TRUE(roi.ok()) << text << ": " << roi.status().message();
    c.roi = *roi;
    Status s = PreprocessImage(img, c, out.data());
    ASSERT_FALSE(s.ok()) << text;
    // The message repeats the values the user gave, not wrapped ones.
    EXPECT_NE(s.message().find(std::string("ROI ") + text + " lies outside the 40x30 frame"), std::string::npos)
        << s.message();
  }
  // A hand-built config with a wrapped-looking ROI is refused too.
  c.roi.centre_square = false;
  c.roi.x = kIntMax;
  c.roi.y = 0;
  c.roi.width = kIntMax;
  c.roi.height = 1;
  EXPECT_FALSE(PreprocessImage(img, c, out.data()).ok());
  // Fields beyond int are out of range at parse time, named by field.
  auto big = ParseRoi("1,1,99999999999,5");
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("--roi W '99999999999': out of range"), std::string::npos)
      << big.status().message();
  auto neg = ParseRoi("-1,0,5,5");
  ASSERT_FALSE(neg.ok());
  EXPECT_NE(neg.status().message().find("--roi X '-1': out of range"), std::string::npos);
  for (const char* bad : {"", "1,2,3", "1,2,3,4,5", "1,2,3,x", "1, 2,3,4", ",,,", "0,0,0,5"}) EXPECT_FALSE(ParseRoi(bad).ok()) << bad;
  auto ok = ParseRoi("0,0,2147483647,2147483647");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->width, kIntMax);
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
