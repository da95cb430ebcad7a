// The boundary between the io library and the lazily loaded media module
// (libsigndpu-media.so). Both sides are built from this one header in the
// same build; the version guards against mixing installs.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "signdpu/core/status.h"
#include "signdpu/io/frame_source.h"

namespace signdpu::io {

constexpr int kMediaApiVersion = 3;  // 2: probe_sink, FrameSource::first_skip_reason; 3: encode_jpeg
constexpr const char* kMediaLibrary = "libsigndpu-media.so";
constexpr const char* kMediaEntryPoint = "signdpu_media_api_v1";

struct MediaApi {
  int version;
  Result<std::unique_ptr<FrameSource>> (*open_camera)(const std::string& spec, const CameraOptions& options);
  Result<std::unique_ptr<FrameSource>> (*open_live_file)(const std::string& path, const CameraOptions& options);
  Result<std::unique_ptr<FrameSource>> (*open_video)(const std::string& spec);
  Result<std::unique_ptr<FrameSource>> (*open_image_dir)(const std::string& dir, bool skip_bad);
  Result<std::unique_ptr<FrameSink>> (*open_sink)(bool display, const std::string& record_path);
  Status (*probe_sink)(bool display, const std::string& record_path);
  Status (*encode_jpeg)(const cv::Mat& image, int quality, std::vector<uint8_t>* out);
};

// dlopen()s the module once; NotFound with dlerror() when it is missing.
Result<const MediaApi*> LoadMediaApi();

}  // namespace signdpu::io
