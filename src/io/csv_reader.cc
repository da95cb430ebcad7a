#include "signdpu/io/csv_reader.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace signdpu::io {
namespace {

constexpr size_t kChunk = 1 << 16;

// Parses an unsigned decimal integer in [begin, end) allowing surrounding
// spaces and a fractional part of zeros ("12", " 12 ", "12.0"). Returns -1 on
// anything else (empty, sign, letters, fractions).
int64_t ParseCell(const char* begin, const char* end) {
  while (begin < end && (*begin == ' ' || *begin == '\t')) ++begin;
  while (end > begin && (end[-1] == ' ' || end[-1] == '\t')) --end;
  if (begin == end) return -1;
  int64_t v = 0;
  const char* p = begin;
  for (; p < end && *p >= '0' && *p <= '9'; ++p) {
    v = v * 10 + (*p - '0');
    if (v > 1000000) return -1;
  }
  if (p == begin) return -1;
  if (p < end && *p == '.') {
    ++p;
    for (; p < end && *p == '0'; ++p) {
    }
  }
  return p == end ? v : -1;
}

// Regular files always; FIFOs and pipes as streams unless a regular file is
// required; never devices (/dev/zero, /dev/urandom, a terminal: endless or
// interactive input), sockets or folders.
Status CheckKind(const std::string& path, mode_t mode, const CsvOptions& options) {
  if (S_ISREG(mode)) return Status::Ok();
  if (S_ISDIR(mode)) return InvalidArgument(path + ": is a directory, expected a CSV file");
  if (S_ISFIFO(mode)) {
    if (!options.require_regular_file) return Status::Ok();
    return InvalidArgument(path + ": is a FIFO or pipe; this CSV must be a regular file");
  }
  return InvalidArgument(path + ": not a regular file (device or socket); expected a CSV file" +
                         std::string(options.require_regular_file ? "" : " or a pipe"));
}

std::string CellText(const char* begin, const char* end) {
  std::string s(begin, static_cast<size_t>(std::min<ptrdiff_t>(end - begin, 20)));
  if (end - begin > 20) s += "...";
  return s;
}

}  // namespace

CsvReader::~CsvReader() {
  if (file_ != nullptr) std::fclose(file_);
}

Result<std::unique_ptr<CsvReader>> CsvReader::Open(const std::string& path, const CsvOptions& options) {
  std::unique_ptr<CsvReader> r(new CsvReader());
  r->path_ = path;
  r->options_ = options;
  // What kind of file: decided on the path before opening (opening a FIFO
  // blocks until a writer appears) and again on the descriptor.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return NotFound(path + ": cannot open CSV: " + std::strerror(errno));
  SIGNDPU_RETURN_IF_ERROR(CheckKind(path, st.st_mode, options));
  r->file_ = std::fopen(path.c_str(), "rb");
  if (r->file_ == nullptr) return NotFound(path + ": cannot open CSV: " + std::strerror(errno));
  if (::fstat(::fileno(r->file_), &st) != 0) return IoError(path + ": cannot stat CSV: " + std::strerror(errno));
  SIGNDPU_RETURN_IF_ERROR(CheckKind(path, st.st_mode, options));
  if (options.max_line_bytes < 1 || options.max_skip_bytes < options.max_line_bytes ||
      options.max_skip_bytes > kMaxCsvSkipBytes)
    return InvalidArgument(path + ": line limits " + std::to_string(options.max_line_bytes) + "/" +
                           std::to_string(options.max_skip_bytes) + " outside 1 <= line <= scan <= " +
                           std::to_string(kMaxCsvSkipBytes));
  r->buffer_.resize(kChunk);
  std::string first;
  SIGNDPU_ASSIGN_OR_RETURN(bool got, r->ReadLine(&first));
  if (!got) return InvalidArgument(path + ": empty CSV file (no rows)");
  // A UTF-8 byte order mark before the first cell is ignored.
  if (first.size() >= 3 && static_cast<unsigned char>(first[0]) == 0xEF &&
      static_cast<unsigned char>(first[1]) == 0xBB && static_cast<unsigned char>(first[2]) == 0xBF)
    first.erase(0, 3);
  int columns = 1;
  for (char ch : first) columns += ch == ',';
  const char* comma = std::strchr(first.c_str(), ',');
  const char* cell_end = comma ? comma : first.c_str() + first.size();
  r->has_header_ = ParseCell(first.c_str(), cell_end) < 0;
  if (r->has_header_) {
    std::string name(first.c_str(), cell_end);
    while (!name.empty() && (name.back() == ' ' || name.back() == '"')) name.pop_back();
    while (!name.empty() && (name.front() == ' ' || name.front() == '"')) name.erase(0, 1);
    r->has_label_ = name == "label";
  } else {
    r->has_label_ = columns == options.pixels + 1;
    r->pending_ = std::move(first);
    r->has_pending_ = true;
  }
  r->columns_ = options.pixels + (r->has_label_ ? 1 : 0);
  if (columns != options.pixels && columns != options.pixels + 1) {
    return InvalidArgument(path + ":1: " + std::to_string(columns) + " columns; expected " +
                           std::to_string(options.pixels) + " pixels, optionally after a label column (" +
                           std::to_string(options.pixels + 1) + ")");
  }
  if (columns != r->columns_) {
    return InvalidArgument(path + ":1: header has " + std::to_string(columns) + " columns but " +
                           (r->has_label_ ? "names a label column" : "has no 'label' column") +
                           "; expected " + std::to_string(r->columns_));
  }
  return r;
}

Result<bool> CsvReader::ReadLine(std::string* line) {
  line->clear();
  if (!fatal_.ok()) return fatal_;
  while (true) {
    if (buf_pos_ == buf_len_) {
      if (eof_) break;
      SIGNDPU_RETURN_IF_ERROR(Fill());
      if (buf_len_ == 0) break;
    }
    const char* start = buffer_.data() + buf_pos_;
    const void* nl = std::memchr(start, '\n', buf_len_ - buf_pos_);
    const size_t take = nl ? static_cast<size_t>(static_cast<const char*>(nl) - start) : buf_len_ - buf_pos_;
    if (std::memchr(start, '\0', take) != nullptr) {
      fatal_ = InvalidArgument(path_ + ":" + std::to_string(line_no_ + 1) +
                               ": NUL byte: binary data, not a CSV text file");
      return fatal_;
    }
    if (static_cast<int64_t>(line->size() + take) > options_.max_line_bytes) {
      // Skip the rest of this line so a skip_bad caller can continue, but
      // scan at most kMaxCsvSkipBytes for its end: an input without newlines
      // (/dev/zero-like data) must end with an error, not a spin.
      ++line_no_;
      const int64_t bad_line = line_no_;
      int64_t scanned = static_cast<int64_t>(line->size());
      bool found = false;
      while (!found) {
        if (buf_pos_ == buf_len_) {
          if (eof_) break;
          SIGNDPU_RETURN_IF_ERROR(Fill());
          if (buf_len_ == 0) break;
        }
        const size_t avail = buf_len_ - buf_pos_;
        const void* n2 = std::memchr(buffer_.data() + buf_pos_, '\n', avail);
        const size_t upto = n2 ? static_cast<size_t>(static_cast<const char*>(n2) - (buffer_.data() + buf_pos_)) : avail;
        scanned += static_cast<int64_t>(upto);
        buf_pos_ += upto;
        if (n2) {
          ++buf_pos_;
          found = true;
        }
        if (scanned > options_.max_skip_bytes) break;
      }
      line->clear();
      Status bad = InvalidArgument(path_ + ":" + std::to_string(bad_line) + ": line longer than " +
                                   std::to_string(options_.max_line_bytes) + " bytes");
      if (!found && scanned > options_.max_skip_bytes) {
        fatal_ = InvalidArgument(path_ + ":" + std::to_string(bad_line) + ": no end of line within " +
                                 std::to_string(options_.max_skip_bytes) + " bytes (a row has at most " +
                                 std::to_string(options_.max_line_bytes) + "); not a CSV text file");
        return fatal_;
      }
      return bad;
    }
    line->append(start, take);
    buf_pos_ += take;
    if (nl) {
      ++buf_pos_;
      ++line_no_;
      if (!line->empty() && line->back() == '\r') line->pop_back();
      return true;
    }
  }
  if (line->empty()) return false;
  ++line_no_;  // last line without a trailing newline
  if (!line->empty() && line->back() == '\r') line->pop_back();
  return true;
}

// Refills the buffer; buf_len_ == 0 and eof_ at the end. A read error is fatal.
Status CsvReader::Fill() {
  buf_len_ = std::fread(buffer_.data(), 1, buffer_.size(), file_);
  buf_pos_ = 0;
  bytes_read_ += static_cast<int64_t>(buf_len_);
  if (buf_len_ == 0) {
    eof_ = true;
    if (std::ferror(file_)) {
      fatal_ = IoError(path_ + ": read error after line " + std::to_string(line_no_) + ": " + std::strerror(errno));
      return fatal_;
    }
  }
  return Status::Ok();
}

Status CsvReader::ParseRow(const std::string& line, CsvFrame* frame) const {
  frame->pixels.resize(static_cast<size_t>(options_.pixels));
  // Fast path for the common case (plain digits and commas, every value in
  // range): one pass, no per-cell searches. Anything else falls through to
  // the checked parser below, which produces the error message.
  {
    const char* p = line.data();
    const char* end = p + line.size();
    uint8_t* px = frame->pixels.data();
    const int first_pixel_col = has_label_ ? 1 : 0;
    int col = 0;
    unsigned v = 0;
    bool digits = false, ok = true;
    int label = -1;
    for (; p <= end; ++p) {
      if (p == end || *p == ',') {
        if (!digits || col >= columns_) { ok = false; break; }
        if (col < first_pixel_col) label = static_cast<int>(v);
        else px[col - first_pixel_col] = static_cast<uint8_t>(v);
        ++col;
        v = 0;
        digits = false;
        continue;
      }
      const unsigned d = static_cast<unsigned char>(*p) - '0';
      if (d > 9) { ok = false; break; }
      v = v * 10 + d;
      if (v > 255) { ok = false; break; }
      digits = true;
    }
    if (ok && col == columns_) {
      frame->label = has_label_ ? label : -1;
      return Status::Ok();
    }
  }
  const std::string where = path_ + ":" + std::to_string(frame->line);
  const char* p = line.data();
  const char* end = p + line.size();
  int col = 0;
  while (true) {
    const char* cell_end = static_cast<const char*>(std::memchr(p, ',', static_cast<size_t>(end - p)));
    if (cell_end == nullptr) cell_end = end;
    ++col;
    if (col > columns_) {
      int total = col;
      for (const char* q = cell_end; q < end; ++q) total += *q == ',';
      return InvalidArgument(where + ": " + std::to_string(total) + " columns, expected " + std::to_string(columns_));
    }
    const int64_t v = ParseCell(p, cell_end);
    const bool is_label = has_label_ && col == 1;
    if (v < 0) {
      return InvalidArgument(where + ": column " + std::to_string(col) + " (" +
                             (is_label ? std::string("label") : "pixel" + std::to_string(col - (has_label_ ? 1 : 0))) +
                             "): '" + CellText(p, cell_end) + "' is not a non-negative integer");
    }
    if (is_label) {
      if (v > 255) return InvalidArgument(where + ": column 1 (label): " + std::to_string(v) + " is out of range [0, 255]");
      frame->label = static_cast<int>(v);
    } else {
      if (v > 255) {
        return InvalidArgument(where + ": column " + std::to_string(col) + ": pixel value " + std::to_string(v) +
                               " is out of range [0, 255]");
      }
      frame->pixels[static_cast<size_t>(col - 1 - (has_label_ ? 1 : 0))] = static_cast<uint8_t>(v);
    }
    if (cell_end == end) break;
    p = cell_end + 1;
  }
  if (col != columns_) {
    return InvalidArgument(where + ": " + std::to_string(col) + " columns, expected " + std::to_string(columns_));
  }
  if (!has_label_) frame->label = -1;
  return Status::Ok();
}

Result<bool> CsvReader::Next(CsvFrame* frame) {
  std::string line;
  while (true) {
    if (has_pending_) {
      line = std::move(pending_);
      has_pending_ = false;
      frame->line = 1;
    } else {
      Result<bool> got = ReadLine(&line);
      if (!got.ok()) {
        if (!options_.skip_bad || !fatal_.ok()) return got.status();
        if (skipped_++ == 0) first_skip_reason_ = got.status().message();
        continue;
      }
      if (!got.value()) return false;
      frame->line = line_no_;
    }
    if (line.empty()) continue;  // blank lines (e.g. a trailing one) are ignored
    Status s = ParseRow(line, frame);
    if (s.ok()) return true;
    if (!options_.skip_bad) return s;
    if (skipped_++ == 0) first_skip_reason_ = s.message();
  }
}

Result<std::vector<CsvFrame>> ReadCsvFile(const std::string& path, const CsvOptions& options, int64_t limit) {
  SIGNDPU_ASSIGN_OR_RETURN(std::unique_ptr<CsvReader> reader, CsvReader::Open(path, options));
  std::vector<CsvFrame> frames;
  while (limit < 0 || static_cast<int64_t>(frames.size()) < limit) {
    CsvFrame f;
    SIGNDPU_ASSIGN_OR_RETURN(bool got, reader->Next(&f));
    if (!got) break;
    frames.push_back(std::move(f));
  }
  if (frames.empty()) return InvalidArgument(path + ": no data rows");
  return frames;
}

}  // namespace signdpu::io
