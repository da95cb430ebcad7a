#include "signdpu/io/image_folder.h"

#include <dlfcn.h>
#include <errno.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>
#include <utility>

#include "signdpu/core/json_text.h"

namespace signdpu::io {

const char* const kImageExtensions[] = {".png", ".jpg",  ".jpeg", ".jpe", ".bmp", ".dib", ".pgm", ".ppm", ".pbm",
                                        ".pnm", ".pxm",  ".tif",  ".tiff", ".webp", ".jp2", ".sr",  ".ras", nullptr};

bool IsImageFileName(std::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  std::string ext(name.substr(dot));
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* const* e = kImageExtensions; *e != nullptr; ++e)
    if (ext == *e) return true;
  return false;
}

Result<void*> OpenMediaLibrary() {
  static std::once_flag once;
  static void* handle = nullptr;
  static std::string error;
  std::call_once(once, [] {
    // OpenCV's codec library reads this when it loads (with the module).
    const std::string budget = std::to_string(kMaxImagePixels);
    ::setenv("OPENCV_IO_MAX_IMAGE_PIXELS", budget.c_str(), 0);
    // Found like the VART plugins: already loaded (linked), DT_RPATH of the
    // executable, LD_LIBRARY_PATH, or the system library path.
    handle = dlopen(kMediaLibrary, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* e = dlerror();
      error = std::string("image/video/camera support is in ") + kMediaLibrary + ", which could not be loaded: " +
              (e ? e : "unknown error");
    }
  });
  if (handle == nullptr) return NotFound(error);
  return handle;
}

ClassNames ResolveClassNames(std::vector<std::string> labels, int64_t classes, std::string what) {
  ClassNames c;
  c.classes = classes;
  c.what = std::move(what);
  if (labels.empty() && classes == 25) {
    // Sign-MNIST: label = letter - 'A'; J (9) and Z need motion, J has no name.
    for (int i = 0; i < 25; ++i) labels.push_back(i == 9 ? std::string() : std::string(1, static_cast<char>('A' + i)));
    c.what = "the Sign-MNIST letters A-Y without J (no labels given)";
  }
  c.names = std::move(labels);
  return c;
}

namespace {

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char ch) { return std::isdigit(ch); });
}

}  // namespace

Result<int> ClassOfFolderName(const std::string& name, const ClassNames& names, const std::string& where) {
  for (size_t i = 0; i < names.names.size(); ++i)
    if (!names.names[i].empty() && names.names[i] == name) return static_cast<int>(i);
  if (AllDigits(name) && name.size() <= 9) {
    const long v = std::strtol(name.c_str(), nullptr, 10);
    if (v < names.classes) return static_cast<int>(v);
  }
  std::string expect = "a class number 0.." + std::to_string(names.classes - 1);
  if (!names.names.empty()) expect = "a class name from " + names.what + " or " + expect;
  return InvalidArgument(where + ": folder name '" + name + "' is not a class (expected " + expect + ")");
}

std::string FolderNameOfClass(int cls, const ClassNames& names) {
  if (cls >= 0 && static_cast<size_t>(cls) < names.names.size()) {
    const std::string& n = names.names[static_cast<size_t>(cls)];
    if (!n.empty() && n.size() <= 255 && n[0] != '.' && n.find('/') == std::string::npos && !AllDigits(n)) return n;
  }
  return std::to_string(cls);
}

namespace {

void DefaultWarn(const std::string& message) {
  std::fprintf(stderr, "%s: warning: %s\n", program_invocation_short_name, PrintableText(message).c_str());
}

// One walk: folders visited by (device, inode), so a symlink loop is seen.
struct Walk {
  const ImageFolderOptions& o;
  std::set<std::pair<dev_t, ino_t>> visited;
  int64_t entries = 0;
  std::vector<ImageEntry> found;

  void Warn(const std::string& m) const { (o.warn ? o.warn : DefaultWarn)(m); }

  // Images below `dir` (label for each); sub-folders recursively.
  Status Folder(const std::filesystem::path& dir, int label, int depth) {
    namespace fs = std::filesystem;
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0)
      return IoError(o.flag + " " + dir.string() + ": " + std::strerror(errno));
    if (!visited.insert({st.st_dev, st.st_ino}).second) {
      Warn(o.flag + " " + dir.string() + ": skipped, a symlink back to a folder already read (loop)");
      return Status::Ok();
    }
    if (depth > kMaxFolderDepth)
      return OutOfRange(o.flag + " " + dir.string() + ": folders nested deeper than " + std::to_string(kMaxFolderDepth));
    std::error_code ec;
    std::vector<fs::path> subdirs;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (++entries > kMaxFolderEntries)
        return OutOfRange(o.flag + ": more than " + std::to_string(kMaxFolderEntries) + " files and folders");
      const fs::path& p = it->path();
      const std::string name = p.filename().string();
      if (name.empty() || name[0] == '.') continue;
      std::error_code tec;
      if (it->is_directory(tec)) subdirs.push_back(p);
      else if (IsImageFileName(name)) found.push_back({p.string(), label});
    }
    if (ec) return IoError(o.flag + " " + dir.string() + ": " + ec.message());
    std::sort(subdirs.begin(), subdirs.end());
    for (const fs::path& s : subdirs) SIGNDPU_RETURN_IF_ERROR(Folder(s, label, depth + 1));
    return Status::Ok();
  }
};

// The top level: class folders, or images (and, for --calib, every folder).
Status WalkTop(Walk& w, const std::string& dir) {
  namespace fs = std::filesystem;
  const ImageFolderOptions& o = w.o;
  if (o.layout == FolderLayout::kAnyTree) return w.Folder(dir, -1, 0);
  std::error_code ec;
  std::vector<fs::path> subdirs, images;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.') continue;
    std::error_code tec;
    if (it->is_directory(tec)) subdirs.push_back(it->path());
    else if (IsImageFileName(name)) images.push_back(it->path());
  }
  if (ec) return IoError(o.flag + " " + dir + ": " + ec.message());
  const bool classes = o.layout == FolderLayout::kClassFolders || !subdirs.empty();
  if (!classes) return w.Folder(dir, -1, 0);
  if (!images.empty()) {
    std::sort(images.begin(), images.end());
    return InvalidArgument(o.flag + " " + images[0].string() +
                           ": an image beside the class folders (every image goes into a folder named as its class)");
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) w.visited.insert({st.st_dev, st.st_ino});
  std::sort(subdirs.begin(), subdirs.end());
  for (const fs::path& s : subdirs) {
    SIGNDPU_ASSIGN_OR_RETURN(int label, ClassOfFolderName(s.filename().string(), o.classes, o.flag + " " + s.string()));
    SIGNDPU_RETURN_IF_ERROR(w.Folder(s, label, 1));
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<ImageEntry>> ListImageFolder(const std::string& dir, const ImageFolderOptions& options) {
  std::error_code ec;
  if (dir.empty()) return InvalidArgument(options.flag + ": empty value, expected a folder");
  if (!std::filesystem::is_directory(dir, ec)) return NotFound(options.flag + " " + dir + ": not a folder");
  Walk w{options, {}, 0, {}};
  SIGNDPU_RETURN_IF_ERROR(WalkTop(w, dir));
  if (w.found.empty())
    return InvalidArgument(options.flag + " " + dir + ": no image files (" +
                           (options.layout == FolderLayout::kAnyTree ? "searched recursively; " : "") +
                           "extensions .png .jpg .bmp .pgm .tif .webp ...)");
  std::sort(w.found.begin(), w.found.end(), [](const ImageEntry& a, const ImageEntry& b) { return a.path < b.path; });
  return std::move(w.found);
}

Result<std::vector<CsvFrame>> LoadImageFolder(const std::string& dir, const ImageFolderOptions& options,
                                              const PreprocessConfig& config, int64_t limit) {
  SIGNDPU_ASSIGN_OR_RETURN(std::vector<ImageEntry> entries, ListImageFolder(dir, options));
  if (limit >= 0 && static_cast<int64_t>(entries.size()) > limit) entries.resize(static_cast<size_t>(limit));
  SIGNDPU_ASSIGN_OR_RETURN(void* handle, OpenMediaLibrary());
  using Fn = const MediaImagesApi* (*)();
  auto fn = reinterpret_cast<Fn>(dlsym(handle, kMediaImagesEntryPoint));
  const MediaImagesApi* api = fn != nullptr ? fn() : nullptr;
  if (api == nullptr || api->version != kMediaImagesApiVersion)
    return Internal(std::string(kMediaLibrary) + " is from another signdpu version (no " + kMediaImagesEntryPoint + ")");
  std::vector<CsvFrame> frames;
  SIGNDPU_RETURN_IF_ERROR(api->load(entries, config, &frames));
  return frames;
}

Result<std::vector<CsvFrame>> ReadFramesFromPath(const std::string& path, const CsvOptions& csv, int64_t limit,
                                                 const ImageFolderOptions& folder, const PreprocessConfig& config) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) return ReadCsvFile(path, csv, limit);
  return LoadImageFolder(path, folder, config, limit);
}

}  // namespace signdpu::io
