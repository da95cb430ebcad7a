#include "signdpu/core/program.h"

#include <csignal>
#include <cstdio>
#include <exception>
#include <new>
#include <string>

#include "signdpu/core/json_text.h"

namespace signdpu {

int RunProgram(const char* name, const std::function<int()>& body) {
  std::signal(SIGPIPE, SIG_IGN);
  std::string what;
  try {
    return body();
  } catch (const std::bad_alloc&) {
    what = "out of memory";
  } catch (const std::exception& e) {
    what = PrintableText(e.what());
  } catch (...) {
    what = "unknown exception";
  }
  std::fprintf(stderr, "%s: error: %s\n", name, what.c_str());
  return 1;
}

}  // namespace signdpu
