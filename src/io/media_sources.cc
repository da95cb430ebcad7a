// libsigndpu-media.so: camera, video and image-folder sources and the
// display/record sink. A separate module, dlopen()ed only when such input or
// output is asked for: Debian's OpenCV imgcodecs/videoio pull in GDAL,
// FFmpeg and GStreamer (about 70 MB of resident memory at start), which a
// headless CSV or service run should not pay for.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <thread>

#include <opencv2/highgui.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "signdpu/io/frame_source.h"
#include "signdpu/io/media_api.h"

namespace signdpu::io {
namespace {

bool IsDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

class CaptureSource final : public FrameSource {
 public:
  CaptureSource(std::string spec, bool live, CameraOptions options)
      : spec_(std::move(spec)), live_(live), options_(options) {}

  Status Open() {
    try {
      cap_.release();
      bool ok;
      if (live_ && IsDigits(spec_)) ok = cap_.open(std::stoi(spec_), cv::CAP_V4L2) || cap_.open(std::stoi(spec_));
      else if (live_) ok = cap_.open(spec_, cv::CAP_V4L2) || cap_.open(spec_);
      else if (spec_.find('!') != std::string::npos) ok = cap_.open(spec_, cv::CAP_GSTREAMER);
      else ok = cap_.open(spec_);
      if (!ok || !cap_.isOpened()) {
        return NotFound(std::string(live_ ? "camera " : "video ") + spec_ + ": cannot open" +
                        (live_ ? " (no such device, or it is busy; check ls /dev/video* and group 'video')" : ""));
      }
      if (live_) {
        if (options_.mjpg) cap_.set(cv::CAP_PROP_FOURCC, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'));
        if (options_.width > 0) cap_.set(cv::CAP_PROP_FRAME_WIDTH, options_.width);
        if (options_.height > 0) cap_.set(cv::CAP_PROP_FRAME_HEIGHT, options_.height);
        if (options_.fps > 0) cap_.set(cv::CAP_PROP_FPS, options_.fps);
      }
    } catch (const std::exception& e) {
      return Internal(spec_ + ": OpenCV error: " + e.what());
    }
    return Status::Ok();
  }

  Result<bool> Next(Frame* frame) override {
    cv::Mat img;
    bool got = false;
    try {
      got = cap_.read(img) && !img.empty();
    } catch (const std::exception& e) {
      return Internal(spec_ + ": OpenCV error while reading: " + e.what());
    }
    if (!got) {
      if (!live_) return false;  // end of the video
      // A camera that stops delivering: reopen with exponential back-off.
      auto wait = options_.first_backoff;
      for (int attempt = 1; attempt <= options_.max_retries && !got; ++attempt) {
        std::this_thread::sleep_for(wait);
        wait *= 2;
        if (Open().ok()) {
          try {
            got = cap_.read(img) && !img.empty();
          } catch (const std::exception&) {
            got = false;
          }
        }
      }
      if (!got) {
        return IoError("camera " + spec_ + ": stream ended after " + std::to_string(index_) + " frames; " +
                       std::to_string(options_.max_retries) + " reopen attempts failed");
      }
    }
    frame->index = index_++;
    frame->id = (live_ ? "camera:" : "video:") + spec_ + "#" + std::to_string(frame->index);
    frame->label = -1;
    frame->pixels.clear();
    frame->image = img;
    return true;
  }
  std::string Describe() const override { return (live_ ? "camera " : "video ") + spec_; }
  bool is_live() const override { return live_; }

 private:
  std::string spec_;
  bool live_;
  CameraOptions options_;
  cv::VideoCapture cap_;
  int64_t index_ = 0;
};

class ImageDirSource final : public FrameSource {
 public:
  ImageDirSource(std::string dir, std::vector<std::string> files, bool skip_bad)
      : dir_(std::move(dir)), files_(std::move(files)), skip_bad_(skip_bad) {}
  Result<bool> Next(Frame* frame) override {
    while (pos_ < files_.size()) {
      const std::string& f = files_[pos_++];
      cv::Mat img;
      try {
        img = cv::imread(f, cv::IMREAD_UNCHANGED);
      } catch (const std::exception&) {
        img.release();
      }
      if (img.empty() || img.depth() != CV_8U) {
        if (skip_bad_) { ++skipped_; continue; }
        return InvalidArgument(f + ": not a readable 8-bit image");
      }
      frame->index = index_++;
      frame->id = f;
      frame->label = -1;
      frame->pixels.clear();
      frame->image = img;
      return true;
    }
    return false;
  }
  std::string Describe() const override { return "images " + dir_ + " (" + std::to_string(files_.size()) + " files)"; }
  int64_t skipped() const override { return skipped_; }

 private:
  std::string dir_;
  std::vector<std::string> files_;
  bool skip_bad_;
  size_t pos_ = 0;
  int64_t index_ = 0;
  int64_t skipped_ = 0;
};

class Sink final : public FrameSink {
 public:
  Sink(bool display, std::string record_path) : display_(display), record_path_(std::move(record_path)) {}
  Status Write(const cv::Mat& frame) override {
    try {
      if (!record_path_.empty()) {
        if (!writer_.isOpened()) {
          writer_.open(record_path_, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 15, frame.size());
          if (!writer_.isOpened()) return IoError("--record " + record_path_ + ": cannot open a video writer");
        }
        writer_.write(frame);
      }
      if (display_) {
        cv::imshow("signdpu", frame);
        cv::waitKey(1);
      }
    } catch (const std::exception& e) {
      return Internal(std::string("display/record: OpenCV error: ") + e.what());
    }
    return Status::Ok();
  }

 private:
  bool display_;
  std::string record_path_;
  cv::VideoWriter writer_;
};

Result<std::unique_ptr<FrameSource>> MediaOpenCamera(const std::string& spec, const CameraOptions& options) {
  if (!IsDigits(spec) && spec.rfind("/dev/", 0) != 0)
    return InvalidArgument("--camera '" + spec + "': expected a device index (0) or a path (/dev/video0)");
  if (!IsDigits(spec) && !std::filesystem::exists(spec)) return NotFound("camera " + spec + ": no such device");
  auto src = std::make_unique<CaptureSource>(spec, true, options);
  SIGNDPU_RETURN_IF_ERROR(src->Open());
  return std::unique_ptr<FrameSource>(std::move(src));
}

Result<std::unique_ptr<FrameSource>> MediaOpenLiveFile(const std::string& path, const CameraOptions& options) {
  auto src = std::make_unique<CaptureSource>(path, true, options);
  SIGNDPU_RETURN_IF_ERROR(src->Open());
  return std::unique_ptr<FrameSource>(std::move(src));
}

Result<std::unique_ptr<FrameSource>> MediaOpenVideo(const std::string& spec) {
  const bool pipeline = spec.find('!') != std::string::npos;
  if (!pipeline && !std::filesystem::exists(spec)) return NotFound("video " + spec + ": no such file");
  auto src = std::make_unique<CaptureSource>(spec, false, CameraOptions{});
  SIGNDPU_RETURN_IF_ERROR(src->Open());
  return std::unique_ptr<FrameSource>(std::move(src));
}

Result<std::unique_ptr<FrameSource>> MediaOpenImageDir(const std::string& dir, bool skip_bad) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return NotFound("--images " + dir + ": not a directory");
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (!e.is_regular_file()) continue;
    std::string ext = e.path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".pgm" || ext == ".tif" ||
        ext == ".tiff")
      files.push_back(e.path().string());
  }
  if (ec) return IoError("--images " + dir + ": " + ec.message());
  if (files.empty()) return InvalidArgument("--images " + dir + ": no image files (.png .jpg .bmp .pgm .tif)");
  std::sort(files.begin(), files.end());
  return std::unique_ptr<FrameSource>(new ImageDirSource(dir, std::move(files), skip_bad));
}


Result<std::unique_ptr<FrameSink>> MediaOpenSink(bool display, const std::string& record_path) {
  return std::unique_ptr<FrameSink>(new Sink(display, record_path));
}

const MediaApi kApi = {kMediaApiVersion, MediaOpenCamera, MediaOpenLiveFile, MediaOpenVideo, MediaOpenImageDir, MediaOpenSink};

}  // namespace
}  // namespace signdpu::io

extern "C" __attribute__((visibility("default"))) const signdpu::io::MediaApi* signdpu_media_api_v1() {
  return &signdpu::io::kApi;
}
