#include "signdpu/io/frame_source.h"

#include <dlfcn.h>

#include <mutex>

#include "signdpu/io/media_api.h"

namespace signdpu::io {
namespace {

class CsvSource final : public FrameSource {
 public:
  explicit CsvSource(std::unique_ptr<CsvReader> r) : reader_(std::move(r)) {}
  Result<bool> Next(Frame* frame) override {
    CsvFrame f;
    SIGNDPU_ASSIGN_OR_RETURN(bool got, reader_->Next(&f));
    if (!got) return false;
    frame->index = index_++;
    frame->id = reader_->path() + ":" + std::to_string(f.line);
    frame->label = f.label;
    frame->pixels = std::move(f.pixels);
    frame->image.release();
    return true;
  }
  std::string Describe() const override {
    return "CSV " + reader_->path() + (reader_->has_header() ? " (header" : " (no header") +
           (reader_->has_label() ? ", labelled)" : ", unlabelled)");
  }
  int64_t skipped() const override { return reader_->skipped_rows(); }
  std::string first_skip_reason() const override { return reader_->first_skip_reason(); }

 private:
  std::unique_ptr<CsvReader> reader_;
  int64_t index_ = 0;
};

}  // namespace

Result<std::unique_ptr<FrameSource>> OpenCsvSource(const std::string& path, const CsvOptions& options) {
  SIGNDPU_ASSIGN_OR_RETURN(auto reader, CsvReader::Open(path, options));
  return std::unique_ptr<FrameSource>(new CsvSource(std::move(reader)));
}

Result<const MediaApi*> LoadMediaApi() {
  static std::once_flag once;
  static const MediaApi* api = nullptr;
  static std::string error;
  std::call_once(once, [] {
    // Found like the VART plugins: already loaded (linked), DT_RPATH of the
    // executable, LD_LIBRARY_PATH, or the system library path.
    void* handle = dlopen(kMediaLibrary, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* e = dlerror();
      error = std::string("image/video/camera support is in ") + kMediaLibrary + ", which could not be loaded: " +
              (e ? e : "unknown error");
      return;
    }
    using Fn = const MediaApi* (*)();
    auto fn = reinterpret_cast<Fn>(dlsym(handle, kMediaEntryPoint));
    if (fn == nullptr) {
      error = std::string(kMediaLibrary) + " has no " + kMediaEntryPoint;
      return;
    }
    const MediaApi* a = fn();
    if (a == nullptr || a->version != kMediaApiVersion) {
      error = std::string(kMediaLibrary) + " is from another signdpu version";
      return;
    }
    api = a;
  });
  if (api == nullptr) return NotFound(error);
  return api;
}

Result<std::unique_ptr<FrameSource>> OpenCameraSource(const std::string& spec, const CameraOptions& options) {
  SIGNDPU_ASSIGN_OR_RETURN(const MediaApi* api, LoadMediaApi());
  return api->open_camera(spec, options);
}

Result<std::unique_ptr<FrameSource>> OpenLiveFileSourceForTest(const std::string& path, const CameraOptions& options) {
  SIGNDPU_ASSIGN_OR_RETURN(const MediaApi* api, LoadMediaApi());
  return api->open_live_file(path, options);
}

Result<std::unique_ptr<FrameSource>> OpenVideoSource(const std::string& spec) {
  SIGNDPU_ASSIGN_OR_RETURN(const MediaApi* api, LoadMediaApi());
  return api->open_video(spec);
}

Result<std::unique_ptr<FrameSource>> OpenImageDirSource(const std::string& dir, bool skip_bad) {
  SIGNDPU_ASSIGN_OR_RETURN(const MediaApi* api, LoadMediaApi());
  return api->open_image_dir(dir, skip_bad);
}

Result<std::unique_ptr<FrameSink>> OpenFrameSink(bool display, const std::string& record_path) {
  SIGNDPU_ASSIGN_OR_RETURN(const MediaApi* api, LoadMediaApi());
  return api->open_sink(display, record_path);
}

Status EncodeJpeg(const cv::Mat& image, int quality, std::vector<uint8_t>* out) {
  SIGNDPU_ASSIGN_OR_RETURN(const MediaApi* api, LoadMediaApi());
  return api->encode_jpeg(image, quality, out);
}

Status ProbeFrameSink(bool display, const std::string& record_path) {
  if (!display && record_path.empty()) return Status::Ok();
  SIGNDPU_ASSIGN_OR_RETURN(const MediaApi* api, LoadMediaApi());
  return api->probe_sink(display, record_path);
}

}  // namespace signdpu::io
