// Bounded, checked file I/O for untrusted paths. Every input the programs
// read whole goes through ReadRegularFile (a cap derived from what the file
// must hold, regular files only: /dev/zero, a FIFO or a symlink to a device
// is refused before a byte is read); every output file goes through
// WriteFileAtomic (all or nothing, every write and the close checked), and
// streams end with CheckedClose/FlushStdout so that a full disk or
// /dev/full is an error, never "ok".
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "signdpu/core/status.h"

namespace signdpu {

// Human-readable byte count for messages ("12.0 MiB").
std::string FormatBytes(uint64_t bytes);

// Checks that `path` names a regular file (symlinks followed) of at most
// `max_bytes`. `what` names the file's role in messages ("--labels",
// "raw input tensor"). Returns the file size.
Result<uint64_t> CheckRegularFile(const std::string& path, uint64_t max_bytes, std::string_view what);

// Reads a whole regular file of at most `max_bytes` bytes. Reads at most
// max_bytes + 1 bytes whatever the file's reported size (a file that grows
// while it is read is still refused). Errors name `what` and `path`.
Result<std::string> ReadRegularFile(const std::string& path, uint64_t max_bytes, std::string_view what);

// Writes `data` to `path` atomically: a temporary file in the same folder,
// every write checked, fsync, close checked, then rename. On any failure the
// temporary file is removed, `path` is untouched, and the error names the
// real cause (strerror of the failing call).
Status WriteFileAtomic(const std::string& path, std::string_view data);

// fflush + ferror + fclose with the cause in the message; `f` is closed in
// every case. `what` names the stream ("summary JSON out/s.json").
Status CheckedClose(std::FILE* f, std::string_view what);

// fflush(stdout) and a check of its error flag: a program that printed to a
// full disk or /dev/full must not exit 0.
Status FlushStdout();

}  // namespace signdpu
