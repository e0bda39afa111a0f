#include "core/assert.h"

#include <cstdio>
#include <cstdlib>

namespace ringkv {

void assert_fail(const char* condition, const char* file, int line, const char* message) {
  // Crash path only: the one place core writes to stderr.
  std::fprintf(stderr, "ringkv: assertion failed: %s at %s:%d%s%s\n", condition, file, line,
               message ? ": " : "", message ? message : "");
  std::fflush(stderr);
  std::abort();
}

}  // namespace ringkv
