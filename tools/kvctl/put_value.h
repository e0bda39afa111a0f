// Where `kvctl put` takes its value from and what it refuses before sending anything:
//   put KEY VALUE  the argument;
//   put KEY -      all of stdin, whatever it is (a terminal, a pipe, empty);
//   put KEY        stdin when it is a pipe or a file, but not an empty one (an empty value
//                  from </dev/null is a mistake more often than a wish); a usage error
//                  when stdin is a terminal (nobody is waiting to type a value).
// A value over options.max_value_bytes is refused. Pure: main reads stdin and asks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "tools/kvctl/kvctl_options.h"

namespace ringkv::tools {

enum class ValueSource : uint8_t {
  kArgument,               // put KEY VALUE
  kStandardInput,          // put KEY -
  kImplicitStandardInput,  // put KEY, stdin not a terminal
};

// invalid_argument (a usage error) for `put KEY` with stdin a terminal.
Result<ValueSource> put_value_source(const KvctlOptions& options, bool stdin_is_terminal);

// invalid_argument when the value may not be sent: larger than options.max_value_bytes,
// or an empty implicit stdin. Main reads stdin to at most max_value_bytes + 1 bytes, so
// an oversized value from stdin is said to be over the limit, not how large it is.
Status check_put_value(const KvctlOptions& options, ValueSource source, std::string_view value);

// "1 MiB", "64 KiB", "1000 bytes": exact, in the largest unit that divides `bytes`.
std::string size_text(uint64_t bytes);

}  // namespace ringkv::tools
