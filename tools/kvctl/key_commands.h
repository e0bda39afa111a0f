// kvctl put / get / del: the request each command sends (PUT/GET/DELETE /kv/{key} with
// the key percent-encoded and w, r, timeout_ms as query parameters) and how each
// response becomes output and an exit code. Pure: no I/O here.
#pragma once

#include <string>

#include "core/wire/http_message.h"
#include "tools/kvctl/command_output.h"
#include "tools/kvctl/kvctl_options.h"

namespace ringkv::tools {

bool is_key_command(const std::string& command);

// `value` is the body of a put (ignored otherwise); Host is the --node address.
wire::HttpRequest build_key_request(const KvctlOptions& options, std::string value);

// put: prints the new version (or {"key","version"} with --json).
// get: prints the raw value (or {"key","value"|"value_b64","version"} with --json);
//      404 is exit 1. del: prints nothing (or {"key","deleted","version"}).
CommandOutput interpret_key_response(const KvctlOptions& options,
                                     const wire::HttpResponse& response);

}  // namespace ringkv::tools
