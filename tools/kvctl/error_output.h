// How kvctl shows what went wrong. Without --json main prints `kvctl: MESSAGE` on stderr;
// with --json the same message becomes one JSON object on stdout and stderr stays empty:
//   {"error":"not found: user/42","key":"user/42","http_status":404}
// ("key" for put/get/del, "http_status" when the node answered). The exit code stays.
// Pure.
#pragma once

#include <string>
#include <string_view>

#include "tools/kvctl/command_output.h"
#include "tools/kvctl/kvctl_options.h"

namespace ringkv::tools {

// `output` with its error moved into JSON on stdout; unchanged without --json or error.
CommandOutput json_error_output(const KvctlOptions& options, CommandOutput output);

// A key as the user typed it, for a one-line message: as is when it is printable UTF-8,
// else as a JSON string literal (quotes and escapes) so the line stays one line.
std::string key_for_message(std::string_view key);

}  // namespace ringkv::tools
