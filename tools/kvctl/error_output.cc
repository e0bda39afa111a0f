#include "tools/kvctl/error_output.h"

#include <algorithm>

#include "core/wire/json_writer.h"
#include "tools/kvctl/key_commands.h"

namespace ringkv::tools {

CommandOutput json_error_output(const KvctlOptions& options, CommandOutput output) {
  if (!options.json || output.error_message.empty()) return output;
  RINGKV_ASSERT_MSG(output.standard_output.empty(), "kvctl: an error with output on stdout");
  wire::JsonWriter json;
  json.begin_object().key("error").string(output.error_message);
  if (is_key_command(options.command) && !options.arguments.empty()) {
    json.key("key").string(options.arguments.front());
  }
  if (output.http_status != 0) {
    json.key("http_status").number(static_cast<uint64_t>(output.http_status));
  }
  output.standard_output = json.end_object().take() + "\n";
  output.error_message.clear();
  return output;
}

std::string key_for_message(std::string_view key) {
  const bool printable = wire::valid_utf8(key) && std::none_of(key.begin(), key.end(), [](char c) {
                           return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
                         });
  return printable && !key.empty() ? std::string(key) : wire::json_quote(key);
}

}  // namespace ringkv::tools
