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

struct CsvOptions {
  int pixels = 784;             // expected pixel columns (28 x 28)
  bool skip_bad = false;        // count and skip malformed rows instead of failing
  int64_t max_line_bytes = 1 << 20;  // longer lines are an error (a 784-pixel row is < 4 KiB)
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
  Status ParseRow(const std::string& line, CsvFrame* frame) const;

  std::string path_;
  CsvOptions options_;
  std::FILE* file_ = nullptr;
  std::vector<char> buffer_;
  size_t buf_pos_ = 0, buf_len_ = 0;
  bool eof_ = false;
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
