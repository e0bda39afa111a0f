#include "runtime/admin_pages.h"

#include <cstdio>

#include "core/wire/http_writer.h"
#include "core/wire/json_writer.h"

namespace ringkv::runtime {
namespace {

// JSON bodies end with a newline, so `curl` output ends its line.
wire::HttpResponse json_response(std::string body, int status = 200) {
  return wire::make_response(status, std::move(body) + "\n", "application/json");
}

}  // namespace

// "degraded" while the node rebuilds lost data: it answers no replica read yet (it still
// coordinates requests); the reasons say what it waits for (docs/lost-data.md). Membership
// changes are not built yet, so the state is always "normal".
wire::HttpResponse health_page(const Node& node, bool ready_only) {
  const bool rebuilding = node.rebuilding();
  const bool degraded = rebuilding || node.disk_full();
  wire::JsonWriter json;
  json.begin_object().key("status").string(degraded ? "degraded" : "ok");
  json.key("state").string("normal").key("node").string(node.id());
  json.key("rebuilding").boolean(rebuilding).key("reasons").begin_array();
  if (rebuilding) json.string(node.rebuild_progress());
  if (node.disk_full()) {
    json.string("disk full: writes to this replica fail until space returns (reads are served)");
  }
  json.end_array().end_object();
  // Ready means it answers reads: a full disk still does (the other replicas take writes).
  if (ready_only && rebuilding) {
    return json_response(json.take(), 503);
  }
  return json_response(json.take());
}

wire::HttpResponse cluster_page(const Node& node) {
  wire::JsonWriter json;
  json.begin_object().key("node").string(node.id()).key("members").begin_array();
  for (const MemberRow& row : node.membership().rows()) {
    json.begin_object();
    json.key("node_id").string(row.node_id).key("address").string(row.address);
    json.key("incarnation").number(row.incarnation).key("heartbeat").number(row.heartbeat);
    json.key("status").string(member_status_name(row.status));
    json.end_object();
  }
  json.end_array().end_object();
  return json_response(json.take());
}

wire::HttpResponse ring_page(const Node& node) {
  const Ring& ring = node.ring();
  std::vector<double> shares = ring.primary_shares();
  // JsonWriter writes integers only: the share goes out as a pre-formatted JSON number.
  std::string body = "{\"vnodes_per_node\":" + std::to_string(ring.vnodes_per_node()) +
                     ",\"replication_factor\":" + std::to_string(node.config().replication_factor) +
                     ",\"nodes\":[";
  for (size_t i = 0; i < ring.nodes().size(); ++i) {
    char share[32];
    std::snprintf(share, sizeof(share), "%.6f", i < shares.size() ? shares[i] : 0.0);
    if (i > 0) body += ",";
    body += "{\"node_id\":" + wire::json_quote(ring.nodes()[i]) + ",\"primary_share\":" + share +
            ",\"vnodes\":" + std::to_string(ring.vnodes_per_node()) + "}";
  }
  body += "]}";
  return json_response(std::move(body));
}

}  // namespace ringkv::runtime
