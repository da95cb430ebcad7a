// Always-on CHECKs for programmer errors (never for untrusted input, which
// returns Status). They print both operands, file and line, then abort.
// DCHECKs compile away in NDEBUG builds and are used only inside kernel loops.
#pragma once

#include <sstream>
#include <string>

namespace signdpu::internal {

class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition);
  [[noreturn]] ~CheckFailure();
  std::ostream& stream() { return stream_; }

 private:
  std::ostringstream stream_;
};

// Lets `SIGNDPU_CHECK(c) << "msg"` discard the stream expression's value.
struct Voidify {
  void operator&(std::ostream&) {}
};

}  // namespace signdpu::internal

#define SIGNDPU_CHECK(condition)     \
  (condition) ? (void)0              \
              : ::signdpu::internal::Voidify() & \
                    ::signdpu::internal::CheckFailure(__FILE__, __LINE__, #condition).stream()

#define SIGNDPU_CHECK_OP(a, op, b)                                                         \
  ((a)op(b)) ? (void)0                                                                     \
             : ::signdpu::internal::Voidify() &                                            \
                   ::signdpu::internal::CheckFailure(__FILE__, __LINE__, #a " " #op " " #b) \
                           .stream()                                                       \
                       << "(" << (a) << " vs " << (b) << ") "

#define SIGNDPU_CHECK_EQ(a, b) SIGNDPU_CHECK_OP(a, ==, b)
#define SIGNDPU_CHECK_NE(a, b) SIGNDPU_CHECK_OP(a, !=, b)
#define SIGNDPU_CHECK_LE(a, b) SIGNDPU_CHECK_OP(a, <=, b)
#define SIGNDPU_CHECK_LT(a, b) SIGNDPU_CHECK_OP(a, <, b)
#define SIGNDPU_CHECK_GE(a, b) SIGNDPU_CHECK_OP(a, >=, b)
#define SIGNDPU_CHECK_GT(a, b) SIGNDPU_CHECK_OP(a, >, b)

#ifdef NDEBUG
#define SIGNDPU_DCHECK(condition) \
  while (false) SIGNDPU_CHECK(condition)
#else
#define SIGNDPU_DCHECK(condition) SIGNDPU_CHECK(condition)
#endif
