#include "signdpu/core/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace signdpu {
namespace {

std::string Quote(std::string_view what, const std::string& path) {
  return std::string(what) + " '" + path + "'";
}

std::string Errno(int e) { return std::strerror(e); }

// write(2) until done, retrying EINTR and short writes.
bool WriteAll(int fd, const char* p, size_t n, int* err) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      *err = errno;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

std::string FormatBytes(uint64_t bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 6) {
    v /= 1024.0;
    ++u;
  }
  char buf[64];
  if (u == 0) std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(bytes));
  else std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

Result<uint64_t> CheckRegularFile(const std::string& path, uint64_t max_bytes, std::string_view what) {
  if (path.empty()) return InvalidArgument(std::string(what) + ": empty file name");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int e = errno;
    if (e == ENOENT) return NotFound(Quote(what, path) + ": no such file");
    return IoError(Quote(what, path) + ": " + Errno(e));
  }
  if (S_ISDIR(st.st_mode)) return InvalidArgument(Quote(what, path) + ": is a directory, expected a regular file");
  if (!S_ISREG(st.st_mode))
    return InvalidArgument(Quote(what, path) + ": not a regular file (device, FIFO or socket); expected a regular file");
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size > max_bytes)
    return OutOfRange(Quote(what, path) + ": " + FormatBytes(size) + ", more than the " + FormatBytes(max_bytes) +
                      " such a file can hold");
  return size;
}

Result<std::string> ReadRegularFile(const std::string& path, uint64_t max_bytes, std::string_view what) {
  SIGNDPU_ASSIGN_OR_RETURN(uint64_t size, CheckRegularFile(path, max_bytes, what));
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return IoError(Quote(what, path) + ": cannot open: " + Errno(errno));
  // Re-check on the descriptor: the path may have been swapped after stat.
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return InvalidArgument(Quote(what, path) + ": not a regular file");
  }
  std::string out;
  try {
    out.reserve(static_cast<size_t>(size));
  } catch (const std::bad_alloc&) {
    ::close(fd);
    return OutOfRange(Quote(what, path) + ": cannot allocate " + FormatBytes(size));
  }
  char buf[1 << 16];
  for (;;) {
    const ssize_t got = ::read(fd, buf, sizeof buf);
    if (got < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      ::close(fd);
      return IoError(Quote(what, path) + ": read failed: " + Errno(e));
    }
    if (got == 0) break;
    if (out.size() + static_cast<uint64_t>(got) > max_bytes) {
      ::close(fd);
      return OutOfRange(Quote(what, path) + ": more than the " + FormatBytes(max_bytes) + " such a file can hold");
    }
    out.append(buf, static_cast<size_t>(got));
  }
  ::close(fd);
  return out;
}

Status WriteFileAtomic(const std::string& path, std::string_view data) {
  if (path.empty()) return InvalidArgument("output file: empty file name");
  // rename() replaces whatever the name points at: as root, a report
  // written "to /dev/full" or "/dev/null" would replace the device node
  // with a regular file. Only a new name or a regular file is replaced.
  struct stat existing {};
  if (::stat(path.c_str(), &existing) == 0 && !S_ISREG(existing.st_mode))
    return InvalidArgument("cannot write '" + path + "': exists and is not a regular file");
  // The temporary file sits beside the target (rename stays on one file
  // system) under a bounded name: the target's own name may already be
  // close to NAME_MAX (255 bytes), and a suffix must not push it over.
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
  const std::string leaf = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string tmpl = dir + "." + leaf.substr(0, 64) + ".tmp.XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return IoError("cannot write '" + path + "': " + Errno(errno));
  const std::string tmp(name.data());
  int err = 0;
  bool ok = WriteAll(fd, data.data(), data.size(), &err);
  if (ok && ::fsync(fd) != 0 && errno != EINVAL && errno != EROFS) {
    err = errno;
    ok = false;
  }
  // Permissions as a plain open(O_CREAT, 0666) under the process umask.
  if (ok) {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    (void)::fchmod(fd, 0666 & ~mask);
  }
  if (::close(fd) != 0 && ok) {
    err = errno;
    ok = false;
  }
  if (ok && ::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    ok = false;
  }
  if (!ok) {
    ::unlink(tmp.c_str());
    return IoError("cannot write '" + path + "': " + Errno(err));
  }
  return Status::Ok();
}

Status CheckedClose(std::FILE* f, std::string_view what) {
  if (f == nullptr) return Status::Ok();
  errno = 0;
  const bool flush_failed = std::fflush(f) != 0;
  const int flush_errno = errno;
  const bool had_error = std::ferror(f) != 0;
  errno = 0;
  const bool close_failed = std::fclose(f) != 0;
  const int close_errno = errno;
  if (flush_failed || had_error || close_failed) {
    const int e = flush_failed ? flush_errno : close_errno;
    return IoError("writing " + std::string(what) + " failed: " + (e != 0 ? Errno(e) : std::string("write error")));
  }
  return Status::Ok();
}

Status FlushStdout() {
  errno = 0;
  const bool failed = std::fflush(stdout) != 0;
  const int e = errno;
  if (failed || std::ferror(stdout)) {
    return IoError(std::string("writing to standard output failed: ") +
                   (e != 0 ? Errno(e) : std::string("write error")));
  }
  return Status::Ok();
}

}  // namespace signdpu
