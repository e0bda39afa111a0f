// CommandOutput: what one kvctl command produced, decided by pure code and printed by
// main: bytes for stdout (may be binary), a message for stderr, and the exit code.
#pragma once

#include <string>

#include "tools/kvctl/exit_codes.h"

namespace ringkv::tools {

struct CommandOutput {
  int exit_code = kExitOk;
  std::string standard_output;
  std::string error_message;  // one line, without "kvctl: " and without '\n'; may be empty
  int http_status = 0;        // with an error the node answered: its HTTP status
};

}  // namespace ringkv::tools
