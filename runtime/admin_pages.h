// The read-only operator pages: GET /health, /cluster and /ring as JSON, built from the
// Node's getters at the moment of the request. Pure functions of the node's state.
#pragma once

#include "core/node/node.h"
#include "core/wire/http_message.h"

namespace ringkv::runtime {

// This node's membership state for /health and /cluster: "forming" (no ring configuration
// yet), "joining" (also while it asks to join), "normal", "leaving", "left", "removed".
const char* node_state_name(const Node& node);
// GET /health: 200 with {"status":"ok"|"degraded","state","node","ring_epoch","rebuilding",
// "reasons"}; with `ready_only` (?ready=1), 503 unless the node is `normal` and not
// rebuilding (it answers reads for every range it owns).
wire::HttpResponse health_page(const Node& node, bool ready_only);
// {"node":"n1","ring":{"epoch","stage","owner","change"},"members":[{"node_id","address",
// "incarnation","heartbeat","status","state"[,"stream"]},...]}: the gossip rows and the ring
// configuration's members; "stream" on this node's own row while it streams.
wire::HttpResponse cluster_page(const Node& node);
// POST /admin/decommission and /admin/removenode: 202 {"accepted":true,"change","epoch"},
// or 409 (a change in progress), 404 (no such member), 400 (not allowed), 503 (no ring yet).
wire::HttpResponse change_response(const Result<RingConfig>& begun);
// {"vnodes_per_node":100,"replication_factor":3,"nodes":[{"node_id","primary_share"},...]}
wire::HttpResponse ring_page(const Node& node);

}  // namespace ringkv::runtime
