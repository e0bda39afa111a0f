// The read-only operator pages: GET /health, /cluster and /ring as JSON, built from the
// Node's getters at the moment of the request. Pure functions of the node's state.
#pragma once

#include "core/node/node.h"
#include "core/wire/http_message.h"

namespace ringkv::runtime {

// GET /health: 200 with {"status":"ok"|"degraded","state","node","rebuilding","reasons"};
// with `ready_only` (?ready=1), 503 when degraded.
wire::HttpResponse health_page(const Node& node, bool ready_only);
// {"node":"n1","members":[{"node_id","address","incarnation","heartbeat","status"},...]}
wire::HttpResponse cluster_page(const Node& node);
// {"vnodes_per_node":100,"replication_factor":3,"nodes":[{"node_id","primary_share"},...]}
wire::HttpResponse ring_page(const Node& node);

}  // namespace ringkv::runtime
