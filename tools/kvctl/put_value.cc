#include "tools/kvctl/put_value.h"

namespace ringkv::tools {

Result<ValueSource> put_value_source(const KvctlOptions& options, bool stdin_is_terminal) {
  RINGKV_ASSERT(options.command == "put" && !options.arguments.empty());
  if (options.arguments.size() == 2) {
    return options.arguments[1] == "-" ? ValueSource::kStandardInput : ValueSource::kArgument;
  }
  if (stdin_is_terminal) {
    return Status::invalid_argument(
        "put needs a value: give VALUE, or '-' to read it from stdin (usage: kvctl put KEY "
        "VALUE|-)");
  }
  return ValueSource::kImplicitStandardInput;
}

Status check_put_value(const KvctlOptions& options, ValueSource source, std::string_view value) {
  if (value.size() > options.max_value_bytes) {
    const uint64_t bytes = options.max_value_bytes;
    const std::string rounded = size_text(bytes);
    const std::string limit =
        std::to_string(bytes) + " bytes" + (rounded.ends_with("bytes") ? "" : " (" + rounded + ")");
    std::string message =
        source == ValueSource::kArgument
            ? "the value is " + std::to_string(value.size()) + " bytes, over the limit of " + limit
            : "the value on stdin is over the limit of " + limit;
    message += bytes == kDefaultMaxValueBytes
                   ? " that nodes accept by default (if yours run with a larger "
                     "--max-value-bytes, pass the same to kvctl)"
                   : " (--max-value-bytes)";
    return Status::invalid_argument(std::move(message));
  }
  if (value.empty() && source == ValueSource::kImplicitStandardInput) {
    return Status::invalid_argument(
        "stdin is empty: nothing stored (to store an empty value, run kvctl put KEY - or "
        "kvctl put KEY '')");
  }
  return Status::ok_status();
}

std::string size_text(uint64_t bytes) {
  if (bytes != 0 && bytes % (1 << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes != 0 && bytes % (1 << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace ringkv::tools
