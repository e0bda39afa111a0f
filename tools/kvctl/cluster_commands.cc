#include "tools/kvctl/cluster_commands.h"

#include <cjson/cJSON.h>

#include <memory>

#include "core/wire/http_writer.h"
#include "core/wire/json_writer.h"
#include "tools/kvctl/cluster_views.h"
#include "tools/kvctl/server_error.h"

namespace ringkv::tools {
namespace {

std::string with_newline(std::string text) {
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text;
}

// "127.0.0.1:8081 ok (node n1)" from {"status":"ok","node":"n1"}; `rebuilding` is set
// when the node says it rebuilds lost data.
std::string health_line(const KvctlOptions& options, const std::string& body, bool& rebuilding) {
  rebuilding = false;
  std::unique_ptr<cJSON, decltype(&cJSON_Delete)> document(
      cJSON_ParseWithLength(body.data(), body.size()), &cJSON_Delete);
  std::string status = "ok";
  std::string node;
  std::string data;
  if (document != nullptr) {
    const cJSON* status_item = cJSON_GetObjectItemCaseSensitive(document.get(), "status");
    const cJSON* node_item = cJSON_GetObjectItemCaseSensitive(document.get(), "node");
    const cJSON* rebuilding_item =
        cJSON_GetObjectItemCaseSensitive(document.get(), "rebuilding");
    const cJSON* reasons = cJSON_GetObjectItemCaseSensitive(document.get(), "reasons");
    if (cJSON_IsString(status_item)) status = status_item->valuestring;
    if (cJSON_IsString(node_item)) node = node_item->valuestring;
    rebuilding = cJSON_IsTrue(rebuilding_item);
    if (rebuilding) status = "rebuilding";
    const cJSON* reason = nullptr;
    cJSON_ArrayForEach(reason, reasons) {
      if (!cJSON_IsString(reason)) continue;
      data += (data.empty() ? "" : "; ") + std::string(reason->valuestring);
    }
  }
  std::string line = options.node.to_string() + " " + status;
  if (!node.empty()) line += " (node " + node + ")";
  if (!data.empty()) line += ": " + data;
  return line + "\n";
}

// Text from a Result: on stdout, or the problem as a server error.
CommandOutput text_output(Result<std::string> text) {
  if (!text.ok()) return {kExitServerError, "", text.status().message()};
  return {kExitOk, std::move(text).value(), ""};
}

// The server's JSON as it is, once it is known to be JSON in UTF-8.
CommandOutput json_output(const std::string& body, std::string_view what) {
  std::unique_ptr<cJSON, decltype(&cJSON_Delete)> document(
      cJSON_ParseWithLength(body.data(), body.size()), &cJSON_Delete);
  if (document == nullptr || !wire::valid_utf8(body)) {
    return {kExitServerError, "", std::string(what) + " is not valid JSON"};
  }
  return {kExitOk, with_newline(body), ""};
}

}  // namespace

bool is_cluster_command(const std::string& command) {
  return command == "status" || command == "ring" || command == "health" || command == "metrics";
}

std::vector<std::string> cluster_paths(const KvctlOptions& options) {
  if (options.command == "status") return {"/cluster"};
  if (options.command == "ring") return {"/ring", "/cluster"};
  return {"/" + options.command};  // /health, /metrics
}

wire::HttpRequest build_cluster_request(const KvctlOptions& options, std::string_view path) {
  wire::HttpRequest request =
      wire::make_request("GET", std::string(path), options.node.to_string());
  if (!options.token.empty()) request.headers.emplace_back("X-Cluster-Token", options.token);
  return request;
}

CommandOutput interpret_cluster_responses(const KvctlOptions& options,
                                          std::span<const wire::HttpResponse> responses) {
  RINGKV_ASSERT(responses.size() == cluster_paths(options).size());
  for (const wire::HttpResponse& response : responses) {
    if (response.status != 200) {
      return {kExitServerError, "", describe_error_response(response), response.status};
    }
  }
  const std::string& body = responses.front().body;
  if (options.command == "health") {
    // Not ready while rebuilding lost data: compose healthchecks and scripts wait for it.
    bool rebuilding = false;
    std::string line = health_line(options, body, rebuilding);
    CommandOutput output =
        options.json ? json_output(body, "the /health answer") : CommandOutput{kExitOk, line, ""};
    if (output.exit_code == kExitOk && rebuilding) output.exit_code = kExitRebuilding;
    return output;
  }
  if (options.command == "metrics") return {kExitOk, with_newline(body), ""};
  if (options.command == "status") {
    return options.json ? json_output(body, "the /cluster answer")
                        : text_output(render_membership_table(body));
  }
  const std::string& cluster_body = responses[1].body;
  return text_output(options.json ? ring_json_with_status(body, cluster_body)
                                  : render_ring_table(body, cluster_body));
}

}  // namespace ringkv::tools
