#include "signdpu/io/frame_source.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "signdpu/core/file_io.h"
#include "signdpu/io/preprocess.h"

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
    Result<void*> opened = OpenMediaLibrary();  // io/image_folder.h
    if (!opened.ok()) {
      error = opened.status().message();
      return;
    }
    void* handle = *opened;
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

Result<std::unique_ptr<FrameSource>> OpenImageDirSource(const std::string& dir, bool skip_bad,
                                                        const ImageFolderOptions& folder) {
  SIGNDPU_ASSIGN_OR_RETURN(const MediaApi* api, LoadMediaApi());
  return api->open_image_dir(dir, folder, skip_bad);
}

Status PrepareSaveFramesDir(const std::string& dir) {
  namespace fs = std::filesystem;
  if (dir.empty()) return InvalidArgument("--save-frames: empty value, expected a folder");
  std::error_code ec;
  const fs::file_status st = fs::status(dir, ec);
  if (fs::exists(st)) {
    if (!fs::is_directory(st)) return InvalidArgument("--save-frames " + dir + ": exists and is not a folder");
  } else if (!fs::create_directory(dir, ec) && ec) {
    return IoError("--save-frames " + dir + ": cannot create the folder: " + ec.message());
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return IoError("--save-frames " + dir + ": folder not writable: " + std::strerror(errno));
  return Status::Ok();
}

namespace {

class SavingSource final : public FrameSource {
 public:
  SavingSource(std::unique_ptr<FrameSource> inner, SaveFramesOptions o) : inner_(std::move(inner)), o_(std::move(o)) {}
  Result<bool> Next(Frame* frame) override {
    SIGNDPU_ASSIGN_OR_RETURN(bool got, inner_->Next(frame));
    if (got && saved_ < o_.max_frames) SIGNDPU_RETURN_IF_ERROR(Save(*frame));
    return got;
  }
  std::string Describe() const override { return inner_->Describe(); }
  int64_t skipped() const override { return inner_->skipped(); }
  std::string first_skip_reason() const override { return inner_->first_skip_reason(); }
  bool is_live() const override { return inner_->is_live(); }

 private:
  Status Save(const Frame& frame) {
    namespace fs = std::filesystem;
    cv::Mat picture;
    std::vector<uint8_t> gray;
    if (frame.image.empty()) {
      gray = frame.pixels;  // CSV: model-sized already
    } else if (o_.raw) {
      picture = frame.image;
    } else {
      gray.resize(static_cast<size_t>(int64_t{o_.config.height} * o_.config.width));
      // A frame the ROI does not fit is not saved; the worker reports it.
      if (!PreprocessImageToGray(frame.image, o_.config, gray.data()).ok()) return Status::Ok();
    }
    if (picture.empty()) {
      const int h = frame.image.empty() ? CsvSide(gray.size()) : o_.config.height;
      if (h <= 0) return Status::Ok();
      picture = cv::Mat(h, static_cast<int>(gray.size()) / h, CV_8UC1, gray.data());
    }
    fs::path dir = o_.dir;
    if (frame.label >= 0) {
      dir /= FolderNameOfClass(frame.label, o_.classes);
      std::error_code ec;
      fs::create_directories(dir, ec);
      if (ec) return IoError("--save-frames " + dir.string() + ": " + ec.message());
    }
    char name[40];
    std::snprintf(name, sizeof name, "frame_%08lld.png", static_cast<long long>(frame.index));
    SIGNDPU_ASSIGN_OR_RETURN(const MediaApi* api, LoadMediaApi());
    SIGNDPU_ASSIGN_OR_RETURN(std::string png, api->encode_png(picture));
    SIGNDPU_RETURN_IF_ERROR(WriteFileAtomic((dir / name).string(), png).WithContext("--save-frames"));
    ++saved_;
    if (o_.saved != nullptr) *o_.saved = saved_;
    return Status::Ok();
  }
  // A CSV frame's side: the square model input (28 x 28 = 784 pixels).
  static int CsvSide(size_t pixels) {
    int side = 1;
    while (static_cast<size_t>(side + 1) * static_cast<size_t>(side + 1) <= pixels) ++side;
    return static_cast<size_t>(side) * static_cast<size_t>(side) == pixels ? side : 0;
  }

  std::unique_ptr<FrameSource> inner_;
  SaveFramesOptions o_;
  int64_t saved_ = 0;
};

}  // namespace

std::unique_ptr<FrameSource> SaveFramesSource(std::unique_ptr<FrameSource> inner, SaveFramesOptions options) {
  return std::make_unique<SavingSource>(std::move(inner), std::move(options));
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
