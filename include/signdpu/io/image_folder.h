// Folders of one's own images as frames: calibration (`signdpu-quantize
// --calib DIR`), evaluation (`--eval DIR`, class sub-folders) and `signdpu
// run --images DIR` (class sub-folders give accuracy). OpenCV-free: the
// quantiser links this (signdpu::csv) and stays free of OpenCV; decoding and
// preprocessing run in the media module (libsigndpu-media.so, dlopen()ed),
// through the runner's own preprocessing (io/preprocess.h).
//
// The rules (docs/quantization.md "Calibrating and evaluating on image
// folders"; one place, here):
// - Images are files whose extension (any case) OpenCV's imread knows:
//   kImageExtensions. Other files are ignored; names starting with '.' (files
//   and folders) are ignored. Files are taken in byte order of their path.
// - Folders are walked recursively; symlinks are followed, each real folder
//   once: a symlink back into the tree (a loop) is skipped with a warning line.
//   Deeper than kMaxFolderDepth, or more than kMaxFolderEntries entries: error.
// - Class folders: DIR/<class>/... (any depth below <class>). <class> is a
//   class name (exactly, byte for byte) or a class number in decimal
//   (0..classes-1; a name wins over a number). Any other folder name, or an
//   image directly in DIR, is an error naming it.
// - Class names: the labels file, else the labels embedded in the model, else
//   for a 25-class model the Sign-MNIST letters A..Y with index = letter - 'A'
//   (J, index 9, has no name: J needs motion and is not in the data set).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "signdpu/core/status.h"
#include "signdpu/io/csv_reader.h"
#include "signdpu/io/pixels.h"

namespace signdpu::io {

// The module holding every OpenCV codec/GUI use, loaded on first use.
constexpr const char* kMediaLibrary = "libsigndpu-media.so";
// Walk limits.
constexpr int kMaxFolderDepth = 32;
constexpr int64_t kMaxFolderEntries = int64_t{1} << 20;
// A decoded image larger than this many pixels is refused before it is
// decoded (its header is read first): 8192 x 8192 (a 64 Mpixel BGR image is
// 192 MiB in memory).
constexpr int64_t kMaxImagePixels = int64_t{8192} * 8192;
// An image file larger than this is refused before it is read.
constexpr uint64_t kMaxImageFileBytes = uint64_t{64} << 20;

// ".png", ".jpg", ... : what OpenCV's imread reads (lower case).
extern const char* const kImageExtensions[];
bool IsImageFileName(std::string_view name);

// dlopen()s the media module (once; the same handle each call). Before the
// first load, OPENCV_IO_MAX_IMAGE_PIXELS is set to kMaxImagePixels unless the
// environment sets it (OpenCV reads it when its codec library loads): the
// pixel budget also for formats whose header we do not read.
Result<void*> OpenMediaLibrary();

struct ClassNames {
  std::vector<std::string> names;  // index = class; "" = no name (only its number)
  int64_t classes = 0;
  std::string what = "labels";     // where the names come from, for messages
};

// `labels` (may be empty) for a model of `classes` classes; `what` names
// their origin. Empty labels and 25 classes: the Sign-MNIST letters.
ClassNames ResolveClassNames(std::vector<std::string> labels, int64_t classes, std::string what);

// A class folder's name -> class. The error (one line) names `where` (the
// folder's path) and what is expected.
Result<int> ClassOfFolderName(const std::string& name, const ClassNames& names, const std::string& where);

// The folder name --save-frames writes a frame of class `cls` into: the
// class name when it is a usable folder name (not empty, no '/', no leading
// '.', not all digits, at most 255 bytes), else the class number.
std::string FolderNameOfClass(int cls, const ClassNames& names);

enum class FolderLayout {
  kAnyTree,       // every image below DIR, unlabelled (--calib)
  kClassFolders,  // DIR/<class>/..., labelled (--eval)
  kAuto,          // run --images: class folders when DIR has sub-folders, else DIR's images, unlabelled
};

struct ImageEntry {
  std::string path;
  int label = -1;
};

struct ImageFolderOptions {
  std::string flag = "--images";  // names the flag in messages
  FolderLayout layout = FolderLayout::kAuto;
  ClassNames classes;             // for class folders
  // Warnings (a skipped symlink loop): one line each, without the program
  // name; null = printed to stderr as "<program>: warning: ...".
  std::function<void(const std::string&)> warn;
};

// The images of `dir` by the rules above, sorted by path. An error names the
// folder or file and the rule; no images at all is an error.
Result<std::vector<ImageEntry>> ListImageFolder(const std::string& dir, const ImageFolderOptions& options);

// Reads an image folder as model-sized grayscale frames (CsvFrame: label,
// pixels, line = 1-based position in the sorted list), each file decoded
// and preprocessed by the runner's code path (ROI, gray, INTER_AREA resize;
// io::PreprocessImageToGray) in the media module. At most `limit` frames
// (-1 = all). A file that cannot be read or decoded, is not an 8-bit image,
// is cut short or is over the pixel budget is an error naming it.
Result<std::vector<CsvFrame>> LoadImageFolder(const std::string& dir, const ImageFolderOptions& options,
                                              const PreprocessConfig& config, int64_t limit);

// A CSV file or, when `path` is a folder, an image folder (`folder` says
// how; config.height/width from `csv.pixels`' model): the quantiser's one
// entry for --calib and --eval.
Result<std::vector<CsvFrame>> ReadFramesFromPath(const std::string& path, const CsvOptions& csv, int64_t limit,
                                                 const ImageFolderOptions& folder, const PreprocessConfig& config);

// The media module's side of LoadImageFolder (same build, same header).
constexpr const char* kMediaImagesEntryPoint = "signdpu_media_images_v1";
constexpr int kMediaImagesApiVersion = 1;
struct MediaImagesApi {
  int version;
  Status (*load)(const std::vector<ImageEntry>& entries, const PreprocessConfig& config, std::vector<CsvFrame>* out);
};

}  // namespace signdpu::io
