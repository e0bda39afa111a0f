#include "runtime/router.h"

#include <charconv>

#include "core/wire/http_writer.h"
#include "core/wire/json_writer.h"
#include "core/wire/percent.h"

namespace ringkv::runtime {
namespace {

using wire::HttpRequest;
using wire::HttpResponse;
using wire::make_error_response;

HttpResponse method_not_allowed(std::string_view allow) {
  HttpResponse response = make_error_response(405, "method not allowed");
  response.headers.emplace_back("Allow", std::string(allow));
  return response;
}

RouteDecision immediate(Route route, HttpResponse response) {
  RouteDecision decision;
  decision.route = route;
  decision.immediate = std::move(response);
  return decision;
}

std::optional<uint64_t> parse_number(std::string_view text) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Applies ?w=&r=&timeout_ms= to `client`; returns an error message naming the parameter.
std::optional<std::string> apply_query(std::string_view query, ClientRequest& client) {
  auto parameters = wire::parse_query(query);
  if (!parameters.ok()) return "bad query string: " + parameters.status().message();
  for (const auto& [name, value] : *parameters) {
    auto number = parse_number(value);
    bool small = number && *number <= UINT32_MAX;
    if (name == "w") {
      if (!small) return "w must be an integer in 1..N, got '" + value + "'";
      client.write_quorum = static_cast<uint32_t>(*number);
    } else if (name == "r") {
      if (!small) return "r must be an integer in 1..N, got '" + value + "'";
      client.read_quorum = static_cast<uint32_t>(*number);
    } else if (name == "timeout_ms") {
      if (!number) return "timeout_ms must be a positive integer, got '" + value + "'";
      client.timeout_ms = *number;
    } else {
      return "unknown query parameter '" + name + "' (known: w, r, timeout_ms)";
    }
  }
  return std::nullopt;
}

RouteDecision route_kv(const HttpRequest& request, const Config& config) {
  // HEAD is a GET whose answer goes out without its body (Connection).
  const bool get = request.method == "GET" || request.method == "HEAD";
  Route route = get                          ? Route::kKvGet
                : request.method == "PUT"    ? Route::kKvPut
                : request.method == "DELETE" ? Route::kKvDelete
                                             : Route::kUnknown;
  if (route == Route::kUnknown) {
    return immediate(route, method_not_allowed("GET, HEAD, PUT, DELETE"));
  }
  std::string_view segment = std::string_view(request.path).substr(kKvPathPrefix.size());
  if (segment.find('/') != std::string_view::npos) {
    return immediate(route,
                     make_error_response(400, "key must be one path segment (encode '/' as %2F)"));
  }
  auto key = wire::percent_decode(segment);
  if (!key.ok())
    return immediate(route, make_error_response(400, "bad key: " + key.status().message()));
  if (key->empty() || key->size() > config.max_key_bytes) {
    return immediate(
        route, make_error_response(400, "key must be 1.." + std::to_string(config.max_key_bytes) +
                                            " bytes, got " + std::to_string(key->size())));
  }
  if (key->front() == '\0') {
    return immediate(route, make_error_response(400, "keys that start with a NUL byte (%00) are "
                                                     "reserved for the node's own records"));
  }
  if (route == Route::kKvPut && request.body.size() > config.max_value_bytes) {
    return immediate(
        route,
        make_error_response(413, "value is " + std::to_string(request.body.size()) +
                                     " bytes, max is " + std::to_string(config.max_value_bytes)));
  }
  ClientRequest client;
  client.op = route == Route::kKvGet   ? ClientOp::kGet
              : route == Route::kKvPut ? ClientOp::kPut
                                       : ClientOp::kDelete;
  client.key = std::move(*key);
  if (auto error = apply_query(request.query, client)) {
    return immediate(route, make_error_response(400, *error));
  }
  // X-Context is retired: no client input moves a Lamport clock, and strong writes are
  // ordered after every completed write by their version query. The header is ignored.
  if (route == Route::kKvPut) client.value = request.body;
  RouteDecision decision;
  decision.route = route;
  decision.client = std::move(client);
  return decision;
}

RouteDecision route_admin(const HttpRequest& request, Route route) {
  if (request.method != "GET" && request.method != "HEAD") {
    return immediate(route, method_not_allowed("GET, HEAD"));
  }
  RouteDecision decision;
  decision.route = route;
  return decision;
}

void add_version(HttpResponse& response, const Version& version) {
  if (!version.is_zero()) response.headers.emplace_back(kVersionHeader, version.to_string());
}

}  // namespace

const char* route_name(Route route) {
  switch (route) {
    case Route::kKvGet:
      return "kv_get";
    case Route::kKvPut:
      return "kv_put";
    case Route::kKvDelete:
      return "kv_delete";
    case Route::kHealth:
      return "health";
    case Route::kCluster:
      return "cluster";
    case Route::kRing:
      return "ring";
    case Route::kMetrics:
      return "metrics";
    case Route::kAdminDecommission:
      return "admin_decommission";
    case Route::kAdminRemoveNode:
      return "admin_removenode";
    case Route::kInternal:
      return "internal";
    case Route::kUnknown:
      return "unknown";
  }
  return "unknown";
}

RouteDecision route_request(const HttpRequest& request, const Config& config) {
  std::string_view path = request.path;
  if (path.rfind(kKvPathPrefix, 0) == 0) return route_kv(request, config);
  if (path == "/health") {
    RouteDecision decision = route_admin(request, Route::kHealth);
    if (decision.immediate) return decision;
    auto parameters = wire::parse_query(request.query);
    if (!parameters.ok()) {
      return immediate(Route::kHealth, make_error_response(400, "bad query string: " +
                                                                    parameters.status().message()));
    }
    for (const auto& [name, value] : *parameters) {
      if (name != "ready" || (value != "1" && value != "0")) {
        return immediate(Route::kHealth,
                         make_error_response(400, "/health takes only ready=1 (or ready=0)"));
      }
      decision.ready_only = value == "1";
    }
    return decision;
  }
  if (path == "/cluster") return route_admin(request, Route::kCluster);
  if (path == "/ring") return route_admin(request, Route::kRing);
  if (path == "/metrics") return route_admin(request, Route::kMetrics);
  if (path == "/admin/decommission" || path == "/admin/removenode") {
    const bool remove = path == "/admin/removenode";
    const Route route = remove ? Route::kAdminRemoveNode : Route::kAdminDecommission;
    if (request.method != "POST") return immediate(route, method_not_allowed("POST"));
    auto parameters = wire::parse_query(request.query);
    if (!parameters.ok()) {
      return immediate(route, make_error_response(400, "bad query string: " +
                                                           parameters.status().message()));
    }
    RouteDecision decision;
    decision.route = route;
    for (const auto& [name, value] : *parameters) {
      if (!remove || name != "id") {
        return immediate(route, make_error_response(400, remove ? "/admin/removenode takes only id=ID"
                                                                : "/admin/decommission takes no parameters"));
      }
      decision.node_id = value;
    }
    if (remove && !valid_node_id(decision.node_id)) {
      return immediate(route, make_error_response(400, "/admin/removenode needs id=ID, a node id"));
    }
    return decision;
  }
  if (path.rfind("/internal/", 0) == 0) {
    if (request.method != "POST") return immediate(Route::kInternal, method_not_allowed("POST"));
    RouteDecision decision;
    decision.route = Route::kInternal;
    return decision;
  }
  return immediate(Route::kUnknown,
                   make_error_response(404, "no such route: " + std::string(path)));
}

HttpResponse client_response_to_http(ClientOp op, const ClientResponse& response) {
  switch (response.outcome) {
    case ClientOutcome::kOk: {
      HttpResponse http = op == ClientOp::kGet
                              ? wire::make_response(200, response.value, "application/octet-stream")
                              : wire::make_response(204);
      add_version(http, response.version);
      return http;
    }
    case ClientOutcome::kNotFound: {
      HttpResponse http = make_error_response(404, "not found");
      add_version(http, response.version);
      return http;
    }
    case ClientOutcome::kBadRequest:
      return make_error_response(400, response.error);
    case ClientOutcome::kQuorumFailed:
    case ClientOutcome::kInsufficientStorage: {
      wire::JsonWriter json;
      json.begin_object().key("error").string(response.error);
      json.key("acks").number(response.acks).key("required").number(response.required);
      // A write that was stamped may still take effect, at this version (indeterminate).
      if (!response.version.is_zero()) json.key("version").string(response.version.to_string());
      const int status = response.outcome == ClientOutcome::kQuorumFailed ? 503 : 507;
      return wire::make_response(status, json.end_object().take(), "application/json");
    }
    case ClientOutcome::kOverloaded:
      return make_error_response(503, response.error);
    case ClientOutcome::kStorageError:
      return make_error_response(500, response.error);
  }
  return make_error_response(500, "unknown outcome");
}

HttpResponse closing_error_response(int status, std::string_view message) {
  HttpResponse response = make_error_response(status, message);
  response.keep_alive = false;
  return response;
}

}  // namespace ringkv::runtime
