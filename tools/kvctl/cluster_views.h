// Renders the JSON answers of `GET /cluster` and `GET /ring` as aligned text tables for
// `kvctl status` and `kvctl ring` (and ring's JSON with each node's status). Pure functions
// over the response bodies; a body that is not the expected JSON shape gives corruption
// naming what is missing.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "tools/kvctl/ring_change.h"

namespace ringkv::tools {

// Accepts kvnode's {"node":..,"ring":{..},"members":[rows]}, or a bare array of rows. Row
// members: node_id, address, status, state, incarnation, heartbeat, stream (while the
// member streams). Columns: NODE ADDRESS STATUS STATE INCARNATION HEARTBEAT, and PROGRESS
// ("3/8 ranges, 12.1 KiB/97.7 KiB") when a member streams; rows in node id order. STATE is
// "-" for a member whose state is not given (a node that predates membership changes).
// With a "ring" object, a first line: ring_summary_text().
Result<std::string> render_membership_table(std::string_view cluster_json);

// The membership-change parts of a /cluster answer (shapes as above); an absent or
// malformed "ring" or "stream" is left out.
Result<ClusterChanges> read_cluster_changes(std::string_view cluster_json);

// Accepts kvnode's {"nodes":[{node_id, primary_share, vnodes}]} ("share" also accepted,
// "address" shown when present), or an object mapping node id to share. A share is a
// fraction of the ring (0..1); shares summing to about 100 are taken as percentages.
// STATUS is each node's status in `cluster_json` (as for render_membership_table;
// "unknown" for a node it does not list), so the share of a down node shows as such.
// Columns: NODE [ADDRESS] STATUS [VNODES] SHARE, rows in node id order.
Result<std::string> render_ring_table(std::string_view ring_json, std::string_view cluster_json);

// `ring_json` with a "status" member (from `cluster_json`, as above) added to each node
// object of its "nodes" array, newline-terminated; other shapes are checked and kept.
Result<std::string> ring_json_with_status(std::string_view ring_json,
                                          std::string_view cluster_json);

}  // namespace ringkv::tools
