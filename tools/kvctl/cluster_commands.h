// kvctl status / ring / health / metrics: GET /cluster, /ring, /health, /metrics and how
// each answer is shown (tables for people, the server's JSON as is with --json). Pure.
#pragma once

#include <string>

#include "core/wire/http_message.h"
#include "tools/kvctl/command_output.h"
#include "tools/kvctl/kvctl_options.h"

namespace ringkv::tools {

bool is_cluster_command(const std::string& command);

wire::HttpRequest build_cluster_request(const KvctlOptions& options);

CommandOutput interpret_cluster_response(const KvctlOptions& options,
                                         const wire::HttpResponse& response);

}  // namespace ringkv::tools
