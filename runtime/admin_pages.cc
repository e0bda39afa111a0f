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

const char* node_state_name(const Node& node) {
  const RingKeeper& keeper = node.ring_keeper();
  if (!keeper.formed()) return "forming";
  const std::optional<MemberState> state = keeper.self_state();
  if (!state) return "joining";  // asking a member to let it in
  return member_state_name(*state);
}

// "degraded" while the node rebuilds lost data (it answers no replica read yet; it still
// coordinates requests, docs/lost-data.md), has a full disk, or serves no client (no ring
// yet, or it left); the reasons say why. Ready: normal and not rebuilding.
wire::HttpResponse health_page(const Node& node, bool ready_only) {
  const bool rebuilding = node.rebuilding();
  const bool serving = node.serving();
  const bool degraded = rebuilding || node.disk_full() || !serving;
  const std::string state = node_state_name(node);
  wire::JsonWriter json;
  json.begin_object().key("status").string(degraded ? "degraded" : "ok");
  json.key("state").string(state).key("node").string(node.id());
  json.key("ring_epoch").number(node.ring_config().epoch());
  json.key("rebuilding").boolean(rebuilding).key("reasons").begin_array();
  if (state == "forming") json.string("no ring configuration yet: waiting for its --peers");
  if (state == "joining") json.string("joining the cluster: " + node.ring_config().describe());
  if (state == "left") json.string("this node left the cluster (decommissioned)");
  if (state == "removed") json.string("this node was removed from the cluster");
  if (rebuilding) json.string(node.rebuild_progress());
  if (node.disk_full()) {
    json.string("disk full: writes to this replica fail until space returns (reads are served)");
  }
  json.end_array().end_object();
  // Ready means it answers reads: a full disk still does (the other replicas take writes).
  if (ready_only && (rebuilding || state != "normal")) {
    return json_response(json.take(), 503);
  }
  return json_response(json.take());
}

wire::HttpResponse cluster_page(const Node& node) {
  const RingConfig& config = node.ring_config();
  wire::JsonWriter json;
  json.begin_object().key("node").string(node.id());
  json.key("ring").begin_object().key("epoch").number(config.epoch());
  json.key("stage").string(change_stage_name(config.stage()));
  json.key("owner").string(config.owner());
  json.key("change").string(config.describe_change());
  json.end_object();
  json.key("members").begin_array();
  auto member = [&](const std::string& id, const std::string& address, const MemberRow* row) {
    json.begin_object();
    json.key("node_id").string(id).key("address").string(address);
    if (row) {
      json.key("incarnation").number(row->incarnation).key("heartbeat").number(row->heartbeat);
      json.key("status").string(member_status_name(row->status));
    } else {
      json.key("status").string("unknown");  // in the ring, never heard of by gossip
    }
    if (const RingMember* in_ring = config.find(id)) {
      json.key("state").string(member_state_name(in_ring->state));
    } else if (!config.formed() || id != node.id()) {
      json.key("state").string("none");  // known to gossip, not (yet) in the ring
    } else {
      json.key("state").string(node_state_name(node));
    }
    const StreamProgress progress = node.ring_keeper().progress();
    if (id == node.id() && config.stage() == ChangeStage::kStreaming &&
        progress.sources_total > 0) {
      json.key("stream").begin_object();
      json.key("ranges_done").number(progress.sources_done);
      json.key("ranges_total").number(progress.sources_total);
      json.key("bytes_done").number(progress.bytes_received);
      json.key("bytes_total").number(progress.bytes_total);  // estimated until done
      json.end_object();
    }
    json.end_object();
  };
  const std::vector<MemberRow> rows = node.membership().rows();
  for (const MemberRow& row : rows) member(row.node_id, row.address, &row);
  for (const RingMember& in_ring : config.members()) {
    bool listed = false;
    for (const MemberRow& row : rows) listed = listed || row.node_id == in_ring.id;
    if (!listed) member(in_ring.id, in_ring.address, nullptr);
  }
  json.end_array().end_object();
  return json_response(json.take());
}

wire::HttpResponse change_response(const Result<RingConfig>& begun) {
  if (!begun.ok()) {
    const Status& status = begun.status();
    int code = 400;
    if (status.code() == StatusCode::kNotFound) code = 404;
    if (status.code() == StatusCode::kConflict) code = 409;
    if (status.code() == StatusCode::kUnavailable) code = 503;
    return wire::make_error_response(code, status.message());
  }
  wire::JsonWriter json;
  json.begin_object().key("accepted").boolean(true);
  json.key("change").string(begun->describe_change()).key("owner").string(begun->owner());
  json.key("epoch").number(begun->epoch());
  json.end_object();
  return json_response(json.take(), 202);
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
