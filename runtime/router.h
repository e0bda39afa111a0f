// Router: turns one parsed HTTP request into a route and, for /kv/ requests, a ClientRequest
// for the Node (docs/runtime.md); answers bad input at once (400/404/405/413 with a JSON error).
// Also maps the Node's ClientResponse back to HTTP. Pure functions: no I/O, no state.
#pragma once

#include <optional>

#include "core/config.h"
#include "core/node/client.h"
#include "core/wire/http_message.h"

namespace ringkv::runtime {

enum class Route {
  kKvGet,
  kKvPut,
  kKvDelete,
  kHealth,
  kCluster,
  kRing,
  kMetrics,
  kAdminDecommission,  // POST /admin/decommission
  kAdminRemoveNode,    // POST /admin/removenode?id=ID
  kInternal,
  kUnknown
};
// Metric label of a route: "kv_get", "health", "internal", "unknown", ...
const char* route_name(Route route);

struct RouteDecision {
  Route route = Route::kUnknown;
  std::optional<wire::HttpResponse> immediate;  // set: answer this, do not go further
  std::optional<ClientRequest> client;          // set for kv routes without an error
  bool ready_only = false;  // GET /health?ready=1: 503 unless ready (not degraded)
  NodeId node_id;           // POST /admin/removenode?id=ID
};

inline constexpr std::string_view kKvPathPrefix = "/kv/";
inline constexpr std::string_view kVersionHeader = "X-Version";
// X-Context is retired (docs/consistency.md): a request that carries it is served as if it
// did not.
inline constexpr std::string_view kClusterTokenHeader = "X-Cluster-Token";

RouteDecision route_request(const wire::HttpRequest& request, const Config& config);

wire::HttpResponse client_response_to_http(ClientOp op, const ClientResponse& response);

// A JSON error response that also closes the connection (used for parser errors).
wire::HttpResponse closing_error_response(int status, std::string_view message);

}  // namespace ringkv::runtime
