// RINGKV_ASSERT: invariant checks that stay on in every build (release included).
// A failed assertion is a programmer error: it prints the condition and location
// and aborts. Operating errors (bad input, disk full, peer down) use Status instead.
#pragma once

namespace ringkv {
[[noreturn]] void assert_fail(const char* condition, const char* file, int line,
                              const char* message);
}  // namespace ringkv

#define RINGKV_ASSERT(condition)                                                   \
  ((condition) ? static_cast<void>(0)                                              \
               : ::ringkv::assert_fail(#condition, __FILE__, __LINE__, nullptr))

#define RINGKV_ASSERT_MSG(condition, message)                                      \
  ((condition) ? static_cast<void>(0)                                              \
               : ::ringkv::assert_fail(#condition, __FILE__, __LINE__, (message)))
