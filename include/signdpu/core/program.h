// The frame every signdpu program's main() runs in.
#pragma once

#include <functional>

namespace signdpu {

// Runs `body` with SIGPIPE ignored (a reader that goes away, as in
// `signdpu run --json | head -1`, makes the next write fail with EPIPE, which
// the programs' checked writes report as one error line and exit 1: the
// process never dies by a signal on what the user does with its output) and
// turns any exception escaping it (std::bad_alloc included) into one line
// "<name>: error: ..." on stderr and exit status 1.
int RunProgram(const char* name, const std::function<int()>& body);

}  // namespace signdpu
