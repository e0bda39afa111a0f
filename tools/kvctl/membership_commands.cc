#include "tools/kvctl/membership_commands.h"

#include <cjson/cJSON.h>

#include <memory>

#include "core/wire/http_writer.h"
#include "core/wire/json_writer.h"
#include "core/wire/percent.h"
#include "tools/kvctl/server_error.h"

namespace ringkv::tools {
namespace {

// "decommission of n3 accepted (ring epoch 7)\n" from the body of an accepted change, or
// "" when the body does not say it was accepted.
std::string accepted_line(const std::string& body) {
  std::unique_ptr<cJSON, decltype(&cJSON_Delete)> document(
      cJSON_ParseWithLength(body.data(), body.size()), &cJSON_Delete);
  if (document == nullptr || !wire::valid_utf8(body)) return "";
  const cJSON* accepted = cJSON_GetObjectItemCaseSensitive(document.get(), "accepted");
  const cJSON* change = cJSON_GetObjectItemCaseSensitive(document.get(), "change");
  const cJSON* epoch = cJSON_GetObjectItemCaseSensitive(document.get(), "epoch");
  if (!cJSON_IsTrue(accepted)) return "";
  std::string line = cJSON_IsString(change) ? change->valuestring : "the change";
  line += " accepted";
  if (cJSON_IsNumber(epoch) && epoch->valuedouble >= 0) {
    line += " (ring epoch " + std::to_string(static_cast<uint64_t>(epoch->valuedouble)) + ")";
  }
  return line + "\n";
}

}  // namespace

bool is_membership_command(const std::string& command) {
  return command == "decommission" || command == "removenode";
}

wire::HttpRequest build_membership_request(const KvctlOptions& options) {
  RINGKV_ASSERT(is_membership_command(options.command));
  const std::string target =
      options.command == "decommission"
          ? "/admin/decommission"
          : "/admin/removenode?id=" + wire::percent_encode(options.arguments.front());
  wire::HttpRequest request = wire::make_request("POST", target, options.node.to_string());
  if (!options.token.empty()) request.headers.emplace_back("X-Cluster-Token", options.token);
  return request;
}

CommandOutput interpret_membership_response(const KvctlOptions& options,
                                            const wire::HttpResponse& response) {
  if (response.status < 200 || response.status > 299) {
    return {kExitServerError, "", describe_error_response(response), response.status};
  }
  const std::string line = accepted_line(response.body);
  if (line.empty()) {
    return {kExitServerError, "",
            std::to_string(response.status) + " answer that does not say the " + options.command +
                " was accepted (expected {\"accepted\":true,...})",
            response.status};
  }
  if (!options.json) return {kExitOk, line, ""};
  std::string body = response.body;
  if (body.back() != '\n') body += '\n';
  return {kExitOk, std::move(body), ""};
}

}  // namespace ringkv::tools
