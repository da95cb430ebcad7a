// Sign-Language-MNIST style CSV frames: `label,pixel1,...,pixel784` (Kaggle),
// with or without the header row, with or without the label column.
// All input here is untrusted: every error names file, row and column.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "signdpu/core/status.h"
#include "signdpu/io/labels.h"  // ReadLabelsFile (was declared here)

namespace signdpu::io {

// Limits (a contract, docs/testing.md "Limits"): a line is at most
// kMaxCsvLineBytes (a 784-pixel Sign-MNIST row is < 4 KiB); a longer line is
// a bad row (skippable with skip_bad) when its newline comes within
// kMaxCsvSkipBytes, otherwise the reader stops with an error: an input with
// no newline (/dev/zero-like data, a binary file) is never scanned further.
// A NUL byte means binary data and also stops the reader.
constexpr int64_t kMaxCsvLineBytes = int64_t{64} << 10;
constexpr int64_t kMaxCsvSkipBytes = int64_t{16} << 20;

struct CsvOptions {
  int pixels = 784;             // expected pixel columns (28 x 28)
  bool skip_bad = false;        // count and skip malformed rows instead of failing
  int64_t max_line_bytes = kMaxCsvLineBytes;  // longer lines are an error
  int64_t max_skip_bytes = kMaxCsvSkipBytes;  // scanned for an over-long line's end (then fatal)
  // Refuse anything but a regular file (calibration and evaluation files,
  // dump): a FIFO is refused before it is opened (opening one blocks until a
  // writer appears). Without it a FIFO or pipe is read as a stream; devices
  // (/dev/zero, /dev/urandom, a terminal), sockets and folders are refused
  // either way.
  bool require_regular_file = false;
};

struct CsvFrame {
  int label = -1;                 // -1 when the file has no label column
  std::vector<uint8_t> pixels;    // row-major 28 x 28 grayscale
  int64_t line = 0;               // 1-based line in the file
};

class CsvReader {
 public:
  // Opens the file and reads the first line to detect a header (a first cell
  // that is not a number, e.g. "label" or "pixel1") and the label column
  // (header "label", or pixels + 1 columns without a header).
  static Result<std::unique_ptr<CsvReader>> Open(const std::string& path, const CsvOptions& options = {});
  ~CsvReader();

  // Reads the next frame. Returns false at the end of the file. Malformed rows
  // return an error unless options.skip_bad, in which case they are counted.
  Result<bool> Next(CsvFrame* frame);

  bool has_header() const { return has_header_; }
  bool has_label() const { return has_label_; }
  int64_t skipped_rows() const { return skipped_; }
  int64_t bytes_read() const { return bytes_read_; }
  const std::string& path() const { return path_; }
  // First skipped row's error, for the summary.
  const std::string& first_skip_reason() const { return first_skip_reason_; }

 private:
  CsvReader() = default;
  // Fills `line` with the next line without its terminator; false at EOF.
  Result<bool> ReadLine(std::string* line);
  Status Fill();
  Status ParseRow(const std::string& line, CsvFrame* frame) const;

  std::string path_;
  CsvOptions options_;
  std::FILE* file_ = nullptr;
  std::vector<char> buffer_;
  size_t buf_pos_ = 0, buf_len_ = 0;
  bool eof_ = false;
  // Set by an error that skip_bad cannot skip (no newline within
  // kMaxCsvSkipBytes, binary data, a read error): Next returns it from then on.
  Status fatal_;
  bool has_header_ = false;
  bool has_label_ = false;
  int columns_ = 0;
  int64_t line_no_ = 0;
  int64_t skipped_ = 0;
  int64_t bytes_read_ = 0;
  std::string first_skip_reason_;
  std::string pending_;  // first data line read during detection
  bool has_pending_ = false;
};

// Reads every frame of a file (convenience for calibration and tests).
Result<std::vector<CsvFrame>> ReadCsvFile(const std::string& path, const CsvOptions& options = {},
                                          int64_t limit = -1);

}  // namespace signdpu::io
