// Where frames come from: Sign-MNIST CSV rows, V4L2 cameras, video files or
// GStreamer pipelines, image folders. All through one interface so the
// runner's pipeline does not care. Everything here is untrusted input.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "signdpu/core/status.h"
#include "signdpu/io/csv_reader.h"

namespace signdpu::io {

struct Frame {
  int64_t index = 0;            // 0-based frame number from this source
  std::string id;               // "file.csv:12", "camera:0#57", "img/a.png"
  int label = -1;               // ground truth when known (CSV label column)
  std::vector<uint8_t> pixels;  // CSV frames: already model-sized grayscale
  cv::Mat image;                // camera/video/image frames: any size, BGR or gray
};

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  // false at the end of the input; an error for unreadable input.
  virtual Result<bool> Next(Frame* frame) = 0;
  virtual std::string Describe() const = 0;
  virtual int64_t skipped() const { return 0; }
  // Why the first skipped row/image was bad (for the "no frames" error).
  virtual std::string first_skip_reason() const { return std::string(); }
  virtual bool is_live() const { return false; }  // cameras: no natural end
};

// Shows and/or records annotated frames (--display, --record).
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  virtual Status Write(const cv::Mat& frame) = 0;
  // After the last frame: closes the output and checks it (a recording
  // must hold every frame written). Called once by the pipeline.
  virtual Status Finish() { return Status::Ok(); }
};

// CSV frames need only the io library. Cameras, video, image folders and the
// display/record sink live in the media module libsigndpu-media.so, loaded
// on first use (io/media_api.h): a CSV or service run does not map Debian
// OpenCV's codec and GUI stacks.
Result<std::unique_ptr<FrameSource>> OpenCsvSource(const std::string& path, const CsvOptions& options);

struct CameraOptions {
  int width = 0, height = 0;   // 0 = driver default
  double fps = 0;
  bool mjpg = false;           // request MJPG (USB webcams at high resolution)
  int max_retries = 5;         // reopen attempts after the device disappears
  std::chrono::milliseconds first_backoff{200};  // doubles each attempt
};

// `spec` is a device index ("0") or a path ("/dev/video0").
Result<std::unique_ptr<FrameSource>> OpenCameraSource(const std::string& spec, const CameraOptions& options);

// A video file, or a GStreamer pipeline (text containing '!').
Result<std::unique_ptr<FrameSource>> OpenVideoSource(const std::string& spec);

// A video file read as if it were a live camera (it is reopened with
// back-off when it ends, like a camera that disappeared): the camera path's
// recovery logic, testable without a device.
Result<std::unique_ptr<FrameSource>> OpenLiveFileSourceForTest(const std::string& path, const CameraOptions& options);

// Every .png/.jpg/.jpeg/.bmp/.pgm/.tif in `dir`, sorted by name.
Result<std::unique_ptr<FrameSource>> OpenImageDirSource(const std::string& dir, bool skip_bad);

Result<std::unique_ptr<FrameSink>> OpenFrameSink(bool display, const std::string& record_path);

// Checks before a run that the sink can work, so that a run does not fail
// (or die) at its first frame:
// - display: $DISPLAY or $WAYLAND_DISPLAY must be set, and a child process
//   must be able to open and close a window (Qt without a display aborts
//   the process; GTK throws): a signal, an error or no answer within 10 s
//   in the child is an error here, with a hint to use --record instead.
// - record_path: a video writer must open at that path (folder writable,
//   extension known to the back end); the probe file is removed again.
Status ProbeFrameSink(bool display, const std::string& record_path);

// A JPEG of `image` (BGR or gray, quality 1-100) for the live view of
// `signdpu run --serve`; through the media module like the sinks.
Status EncodeJpeg(const cv::Mat& image, int quality, std::vector<uint8_t>* out);

}  // namespace signdpu::io
