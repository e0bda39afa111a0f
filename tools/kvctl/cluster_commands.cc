#include "tools/kvctl/cluster_commands.h"

#include <cjson/cJSON.h>

#include <memory>

#include "core/wire/http_writer.h"
#include "tools/kvctl/cluster_views.h"
#include "tools/kvctl/server_error.h"

namespace ringkv::tools {
namespace {

std::string path_for(const std::string& command) {
  if (command == "status") return "/cluster";
  return "/" + command;  // /ring, /health, /metrics
}

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


CommandOutput table_output(Result<std::string> table) {
  if (!table.ok()) return {kExitServerError, "", table.status().message()};
  return {kExitOk, std::move(table).value(), ""};
}

}  // namespace

bool is_cluster_command(const std::string& command) {
  return command == "status" || command == "ring" || command == "health" || command == "metrics";
}

wire::HttpRequest build_cluster_request(const KvctlOptions& options) {
  wire::HttpRequest request =
      wire::make_request("GET", path_for(options.command), options.node.to_string());
  if (!options.token.empty()) request.headers.emplace_back("X-Cluster-Token", options.token);
  return request;
}

CommandOutput interpret_cluster_response(const KvctlOptions& options,
                                         const wire::HttpResponse& response) {
  if (response.status != 200) return {kExitServerError, "", describe_error_response(response)};
  if (options.command == "health") {
    // Not ready while rebuilding lost data: compose healthchecks and scripts wait for it.
    bool rebuilding = false;
    std::string line = health_line(options, response.body, rebuilding);
    return {rebuilding ? kExitRebuilding : kExitOk,
            options.json ? with_newline(response.body) : std::move(line), ""};
  }
  if (options.json || options.command == "metrics") {
    return {kExitOk, with_newline(response.body), ""};
  }
  if (options.command == "status") return table_output(render_membership_table(response.body));
  return table_output(render_ring_table(response.body));
}

}  // namespace ringkv::tools
