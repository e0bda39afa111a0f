#include "tools/kvctl/key_commands.h"

#include "core/wire/base64.h"
#include "core/wire/http_writer.h"
#include "core/wire/json_writer.h"
#include "core/wire/percent.h"
#include "tools/kvctl/error_output.h"
#include "tools/kvctl/server_error.h"

namespace ringkv::tools {
namespace {

bool is_delete(const std::string& command) { return command == "del" || command == "delete"; }

std::string query_string(const KvctlOptions& options) {
  std::string query;
  const auto add = [&query](std::string_view name, const std::optional<int>& value) {
    if (!value.has_value()) return;
    query += query.empty() ? "?" : "&";
    query += std::string(name) + "=" + std::to_string(*value);
  };
  if (options.command == "get")
    add("r", options.read_quorum);
  else
    add("w", options.write_quorum);
  add("timeout_ms", options.timeout_ms);
  return query;
}

std::string version_of(const wire::HttpResponse& response) {
  const std::string* version = response.header("X-Version");
  return version == nullptr ? "" : *version;
}

std::string success_json(const KvctlOptions& options, const wire::HttpResponse& response) {
  wire::JsonWriter json;
  json.begin_object().key("key").string(options.arguments.front());
  if (options.command == "get") {
    if (wire::valid_utf8(response.body))
      json.key("value").string(response.body);
    else
      json.key("value_b64").string(wire::base64_encode(response.body));
  }
  if (is_delete(options.command)) json.key("deleted").boolean(true);
  const std::string version = version_of(response);
  json.key("version");
  if (version.empty())
    json.null();
  else
    json.string(version);
  return json.end_object().take() + "\n";
}

}  // namespace

bool is_key_command(const std::string& command) {
  return command == "put" || command == "get" || is_delete(command);
}

wire::HttpRequest build_key_request(const KvctlOptions& options, std::string value) {
  std::string method = "GET";
  if (options.command == "put") method = "PUT";
  if (is_delete(options.command)) method = "DELETE";
  if (method != "PUT") value.clear();
  const std::string target =
      "/kv/" + wire::percent_encode(options.arguments.front()) + query_string(options);
  wire::HttpRequest request = wire::make_request(method, target, options.node.to_string(),
                                                 std::move(value), "application/octet-stream");
  if (!options.token.empty()) request.headers.emplace_back("X-Cluster-Token", options.token);
  return request;
}

CommandOutput interpret_key_response(const KvctlOptions& options,
                                     const wire::HttpResponse& response) {
  const std::string& key = options.arguments.front();
  if (response.status == 404 && options.command == "get") {
    return {kExitNotFound, "", "not found: " + key_for_message(key), response.status};
  }
  if (response.status < 200 || response.status > 299) {
    return {kExitServerError, "", describe_error_response(response), response.status};
  }
  if (options.json) return {kExitOk, success_json(options, response), ""};
  if (options.command == "get") return {kExitOk, response.body, ""};
  if (options.command == "put") {
    const std::string version = version_of(response);
    return {kExitOk, version.empty() ? "" : version + "\n", ""};
  }
  return {kExitOk, "", ""};
}

}  // namespace ringkv::tools
