// kvctl status / ring / health / metrics: GET /cluster, /ring, /health, /metrics and how
// the answers are shown (tables for people; with --json the server's JSON, checked to be
// JSON, and for ring each node's status added). Pure.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/wire/http_message.h"
#include "tools/kvctl/command_output.h"
#include "tools/kvctl/kvctl_options.h"

namespace ringkv::tools {

bool is_cluster_command(const std::string& command);

// The pages a command reads, in order: status /cluster; ring /ring then /cluster (for each
// node's status); health /health; metrics /metrics.
std::vector<std::string> cluster_paths(const KvctlOptions& options);

wire::HttpRequest build_cluster_request(const KvctlOptions& options, std::string_view path);

// `responses` answer cluster_paths(options), one each, in the same order.
CommandOutput interpret_cluster_responses(const KvctlOptions& options,
                                          std::span<const wire::HttpResponse> responses);

}  // namespace ringkv::tools
