// libsigndpu-media.so: camera, video and image-folder sources and the
// display/record sink. A separate module, dlopen()ed only when such input or
// output is asked for: Debian's OpenCV imgcodecs/videoio pull in GDAL,
// FFmpeg and GStreamer (about 70 MB of resident memory at start), which a
// headless CSV or service run should not pay for.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <thread>

#include <opencv2/core/utils/logger.hpp>
#include <opencv2/highgui.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "signdpu/core/child_process.h"
#include "signdpu/core/file_io.h"
#include "signdpu/core/number_parse.h"
#include "signdpu/io/frame_source.h"
#include "signdpu/io/image_check.h"
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

// An image file larger than this is refused before it is read (a 4K PNG
// is well below it; imdecode needs the whole file in memory).
constexpr uint64_t kMaxImageFileBytes = 64u << 20;

class ImageDirSource final : public FrameSource {
 public:
  ImageDirSource(std::string dir, std::vector<std::string> files, bool skip_bad)
      : dir_(std::move(dir)), files_(std::move(files)), skip_bad_(skip_bad) {}
  Result<bool> Next(Frame* frame) override {
    while (pos_ < files_.size()) {
      const std::string& f = files_[pos_++];
      Result<cv::Mat> img = Decode(f);
      if (!img.ok()) {
        if (skip_bad_) {
          if (skipped_++ == 0) first_skip_reason_ = img.status().message();
          continue;
        }
        return img.status();
      }
      frame->index = index_++;
      frame->id = f;
      frame->label = -1;
      frame->pixels.clear();
      frame->image = *img;
      return true;
    }
    return false;
  }
  std::string first_skip_reason() const override { return first_skip_reason_; }
  std::string Describe() const override { return "images " + dir_ + " (" + std::to_string(files_.size()) + " files)"; }
  int64_t skipped() const override { return skipped_; }

 private:
  // The file read whole (bounded, regular files only), checked to be
  // complete (a PNG/JPEG cut short decodes "successfully" with grey
  // filling the missing part), then decoded from memory.
  static Result<cv::Mat> Decode(const std::string& f) {
    SIGNDPU_ASSIGN_OR_RETURN(std::string bytes, ReadRegularFile(f, kMaxImageFileBytes, "image"));
    SIGNDPU_RETURN_IF_ERROR(CheckImageComplete(bytes).WithContext(f));
    cv::Mat img;
    try {
      img = cv::imdecode(cv::Mat(1, static_cast<int>(bytes.size()), CV_8U, bytes.data()), cv::IMREAD_UNCHANGED);
    } catch (const std::exception&) {
      img.release();
    }
    if (img.empty() || img.depth() != CV_8U) return InvalidArgument(f + ": not a readable 8-bit image");
    return img;
  }

  std::string dir_;
  std::vector<std::string> files_;
  bool skip_bad_;
  size_t pos_ = 0;
  int64_t index_ = 0;
  int64_t skipped_ = 0;
  std::string first_skip_reason_;
};

// OpenCV's log silenced for a scope: probes and read-backs whose outcome
// is reported as one error line of ours.
class QuietOpenCv {
 public:
  QuietOpenCv() : level_(cv::utils::logging::getLogLevel()) {
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
  }
  ~QuietOpenCv() { cv::utils::logging::setLogLevel(level_); }
  QuietOpenCv(const QuietOpenCv&) = delete;
  QuietOpenCv& operator=(const QuietOpenCv&) = delete;

 private:
  cv::utils::logging::LogLevel level_;
};

// Recordings (--record) are MJPG AVI at this frame rate; the record probe
// opens a writer of this format on a small frame.
constexpr double kRecordFps = 15;
constexpr int kRecordProbeSide = 64;
// How long a probe child may take: opening and closing a window (a slow
// X11/Wayland connection), and parsing and opening a GStreamer pipeline
// (element and plugin loading).
constexpr std::chrono::seconds kDisplayProbeTimeout{10};
constexpr std::chrono::seconds kPipelineProbeTimeout{30};
// The highest V4L2 device index accepted for --camera N.
constexpr int64_t kMaxCameraIndex = 1023;

class Sink final : public FrameSink {
 public:
  Sink(bool display, std::string record_path) : display_(display), record_path_(std::move(record_path)) {}
  Status Write(const cv::Mat& frame) override {
    try {
      if (!record_path_.empty()) {
        if (!writer_.isOpened()) {
          size_ = frame.size();
          writer_.open(record_path_, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), kRecordFps, size_);
          if (!writer_.isOpened()) return IoError("--record " + record_path_ + ": cannot open a video writer");
        }
        // One video has one frame size: images of other sizes are scaled.
        if (frame.size() != size_) {
          cv::Mat scaled;
          cv::resize(frame, scaled, size_, 0, 0, cv::INTER_AREA);
          writer_.write(scaled);
        } else {
          writer_.write(frame);
        }
        ++written_;
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

  // VideoWriter::write reports nothing (a full disk loses frames
  // silently), so the finished file is read back: it must open and
  // declare every frame written (the AVI index is written last, at release).
  Status Finish() override {
    if (record_path_.empty() || written_ == 0) return Status::Ok();
    try {
      writer_.release();
      const QuietOpenCv quiet;
      cv::VideoCapture back(record_path_, cv::CAP_ANY);
      const double declared = back.isOpened() ? back.get(cv::CAP_PROP_FRAME_COUNT) : -1;
      if (declared != static_cast<double>(written_))
        return IoError("--record " + record_path_ + ": the recorded video is incomplete (" + std::to_string(written_) +
                       " frames written, " + (declared < 0 ? std::string("file unreadable") :
                                              std::to_string(static_cast<int64_t>(declared)) + " in the file") +
                       "; disk full or file too large?)");
    } catch (const std::exception& e) {
      return IoError("--record " + record_path_ + ": cannot read the recorded video back: " + e.what());
    }
    return Status::Ok();
  }

 private:
  bool display_;
  std::string record_path_;
  cv::VideoWriter writer_;
  cv::Size size_;
  int64_t written_ = 0;
};

Status ProbeGstreamerPipeline(const std::string& spec);  // below, with the other probes

Result<std::unique_ptr<FrameSource>> MediaOpenCamera(const std::string& spec, const CameraOptions& options) {
  if (!IsDigits(spec) && spec.rfind("/dev/", 0) != 0)
    return InvalidArgument("--camera '" + spec + "': expected a device index (0) or a path (/dev/video0)");
  // An index goes to std::stoi and OpenCV as an int: range-checked first.
  if (IsDigits(spec)) SIGNDPU_RETURN_IF_ERROR(ParseInt64(spec, "--camera", 0, kMaxCameraIndex).status());
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
  if (pipeline) SIGNDPU_RETURN_IF_ERROR(ProbeGstreamerPipeline(spec));
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

// Runs `probe` in a child process (core/child_process.h: the one fork
// helper, with a time limit) with stdout silenced and stderr captured; the
// child reports by exit code (0 = fine). Used before the parent calls into
// a library that may abort the whole process on user input (a GUI back end
// without a display, a GStreamer pipeline): the abort kills only the child.
// Returns the wait status, or an error when the child cannot start or does
// not finish within `timeout` (it is killed then).
constexpr int kProbeExitThrew = 3;  // the probe threw
Result<int> RunProbeInChild(const std::function<int()>& probe, std::chrono::seconds timeout, const std::string& what) {
  const int timeout_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count());
  const ChildOutcome child = RunInChild(
      [&probe](int report_fd) {
        const int null_fd = ::open("/dev/null", O_WRONLY);
        if (null_fd >= 0) ::dup2(null_fd, STDOUT_FILENO);
        int rc = kProbeExitThrew;
        try {
          rc = probe();
        } catch (...) {
          rc = kProbeExitThrew;
        }
        if (rc == 0) WriteChildOk(report_fd);
        _exit(rc);
      },
      timeout_ms);
  if (!child.started)
    return IoError(what + ": cannot start a probe process: " + std::strerror(child.error_number));
  if (child.timed_out)
    return Unsupported(what + ": no answer within " + std::to_string(timeout.count()) + " s (probe process killed)");
  return child.wait_status;
}

// --display: a child opens and closes a window before the parent calls
// into the GUI back end at all (Qt's "could not connect to display" is
// qFatal: an abort; GTK throws).
Status ProbeDisplay() {
  const char* x11 = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  const std::string hint = "; use --record FILE.avi to save the annotated frames instead";
  if ((x11 == nullptr || *x11 == 0) && (wayland == nullptr || *wayland == 0))
    return Unsupported("--display: no display ($DISPLAY and $WAYLAND_DISPLAY are unset)" + hint);
  auto status = RunProbeInChild(
      [] {
        cv::namedWindow("signdpu-display-probe", cv::WINDOW_AUTOSIZE);
        cv::destroyWindow("signdpu-display-probe");
        cv::waitKey(1);
        return 0;
      },
      kDisplayProbeTimeout, "--display");
  if (!status.ok()) return Unsupported(status.status().message() + hint);
  if (WIFSIGNALED(*status))
    return Unsupported("--display: the GUI back end cannot open a window (it died with signal " +
                       std::to_string(WTERMSIG(*status)) + " in a probe process)" + hint);
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0)
    return Unsupported("--display: the GUI back end cannot open a window (OpenCV highgui error)" + hint);
  return Status::Ok();
}

// --video with GStreamer pipeline text: gst_parse and the elements it
// creates run on user text; a child opens the pipeline first so that an
// element that aborts (g_error) on odd properties kills only the child.
Status ProbeGstreamerPipeline(const std::string& spec) {
  auto status = RunProbeInChild(
      [&spec] {
        cv::VideoCapture cap;
        return cap.open(spec, cv::CAP_GSTREAMER) && cap.isOpened() ? 0 : 3;
      },
      kPipelineProbeTimeout, "--video pipeline");
  if (!status.ok()) return status.status();
  if (WIFSIGNALED(*status))
    return Unsupported("video " + spec + ": GStreamer died with signal " + std::to_string(WTERMSIG(*status)) +
                       " opening this pipeline (in a probe process)");
  return Status::Ok();  // exit 0 or 3: the real open reports "cannot open" itself
}

Status ProbeRecord(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) return InvalidArgument("--record: empty file name");
  std::error_code ec;
  const bool existed = fs::exists(path, ec);
  if (existed && !fs::is_regular_file(path, ec))
    return InvalidArgument("--record " + path + ": exists and is not a regular file");
  try {
    const QuietOpenCv quiet;  // OpenCV logs every back end it tried; the error below says it once
    cv::VideoWriter w;
    w.open(path, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), kRecordFps, cv::Size(kRecordProbeSide, kRecordProbeSide));
    const bool ok = w.isOpened();
    w.release();
    if (!existed) fs::remove(path, ec);
    if (!ok) {
      const fs::path parent = fs::path(path).parent_path();
      const std::string why = ::access(parent.empty() ? "." : parent.c_str(), W_OK) != 0
                                  ? std::string("folder not writable: ") + std::strerror(errno)
                                  : "no video writer for this file type; use .avi";
      return IoError("--record " + path + ": cannot open a video writer (" + why + ")");
    }
  } catch (const std::exception& e) {
    if (!existed) fs::remove(path, ec);
    return IoError("--record " + path + ": OpenCV error: " + e.what());
  }
  return Status::Ok();
}

Status MediaProbeSink(bool display, const std::string& record_path) {
  if (display) SIGNDPU_RETURN_IF_ERROR(ProbeDisplay());
  if (!record_path.empty()) SIGNDPU_RETURN_IF_ERROR(ProbeRecord(record_path));
  return Status::Ok();
}

Status MediaEncodeJpeg(const cv::Mat& image, int quality, std::vector<uint8_t>* out) {
  try {
    if (!cv::imencode(".jpg", image, *out, {cv::IMWRITE_JPEG_QUALITY, quality}))
      return IoError("JPEG encoding of a " + std::to_string(image.cols) + "x" + std::to_string(image.rows) +
                     " frame failed");
  } catch (const cv::Exception& e) {
    return IoError(std::string("JPEG encoding failed: ") + e.what());
  }
  return Status::Ok();
}

const MediaApi kApi = {kMediaApiVersion, MediaOpenCamera, MediaOpenLiveFile, MediaOpenVideo,
                       MediaOpenImageDir, MediaOpenSink, MediaProbeSink, MediaEncodeJpeg};

}  // namespace
}  // namespace signdpu::io

extern "C" __attribute__((visibility("default"))) const signdpu::io::MediaApi* signdpu_media_api_v1() {
  return &signdpu::io::kApi;
}
