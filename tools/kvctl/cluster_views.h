// Renders the JSON answers of `GET /cluster` and `GET /ring` as aligned text tables for
// `kvctl status` and `kvctl ring`. Pure functions over the response body; a body that is
// not the expected JSON shape gives corruption naming what is missing.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace ringkv::tools {

// Accepts kvnode's {"node":..,"members":[rows]}, or a bare array of rows. Row members:
// node_id, address, status, incarnation, heartbeat.
// Columns: NODE ADDRESS STATUS INCARNATION HEARTBEAT, rows in node id order.
Result<std::string> render_membership_table(std::string_view cluster_json);

// Accepts kvnode's {"nodes":[{node_id, primary_share, vnodes}]} ("share" also accepted,
// "address" shown when present), or an object mapping node id to share. A share is a
// fraction of the ring (0..1); shares summing to about 100 are taken as percentages.
// Columns: NODE [ADDRESS] [VNODES] SHARE, rows in node id order.
Result<std::string> render_ring_table(std::string_view ring_json);

}  // namespace ringkv::tools
