// Server: answering HTTP requests (client API, operator pages, internal messages).
#include "core/wire/batch.h"
#include "core/wire/codec.h"
#include "core/wire/http_writer.h"
#include "runtime/admin_pages.h"
#include "runtime/server.h"

namespace ringkv::runtime {
namespace {

// Compares without an early exit, so the time taken does not reveal the matching prefix.
bool same_token(std::string_view given, std::string_view expected) {
  if (given.size() != expected.size()) return false;
  unsigned char difference = 0;
  for (size_t i = 0; i < given.size(); ++i) {
    difference |= static_cast<unsigned char>(given[i] ^ expected[i]);
  }
  return difference == 0;
}

Result<std::vector<Message>> single_message(Result<Message> message) {
  if (!message.ok()) return message.status();
  std::vector<Message> messages;
  messages.push_back(std::move(*message));
  return messages;
}

}  // namespace

void Server::on_request(Connection& connection, uint64_t slot, wire::HttpRequest request) {
  uint64_t started_ns = uv_hrtime();
  if (request.path.rfind(wire::kInternalPathPrefix, 0) == 0) {
    handle_internal(connection, slot, request, started_ns);  // also while shutting down:
    return;                                                  // in-flight writes need acks
  }
  if (shutting_down_) {
    answer(connection, slot, Route::kUnknown, closing_error_response(503, "node is shutting down"),
           started_ns);
    return;
  }
  RouteDecision decision = route_request(request, options_.config);
  if (decision.immediate) {
    answer(connection, slot, decision.route, *decision.immediate, started_ns);
    return;
  }
  if (!decision.client) {
    handle_admin(connection, slot, decision.route, decision.ready_only, decision.node_id,
                 started_ns);
    return;
  }
  uint64_t request_id = next_request_id_++;
  pending_[request_id] =
      PendingClient{connection.id(), slot, decision.client->op, decision.route, started_ns};
  node_->on_client_request(request_id, *decision.client, uv_now(&loop_));
}

void Server::handle_internal(Connection& connection, uint64_t slot,
                             const wire::HttpRequest& request, uint64_t started_ns) {
  if (!options_.cluster_token.empty()) {
    const std::string* token = request.header(kClusterTokenHeader);
    if (token == nullptr || !same_token(*token, options_.cluster_token)) {
      metrics_.transport().unauthorized_requests++;
      answer(connection, slot, Route::kInternal,
             wire::make_error_response(401, "missing or wrong X-Cluster-Token"), started_ns);
      return;
    }
  }
  if (request.method != "POST") {
    wire::HttpResponse response = wire::make_error_response(405, "method not allowed");
    response.headers.emplace_back("Allow", "POST");
    answer(connection, slot, Route::kInternal, response, started_ns);
    return;
  }
  // One message (`/internal/<kind>`) or a batch of them (`/internal/batch`), all or none.
  Result<std::vector<Message>> messages =
      wire::is_batch_path(request.path) ? wire::decode_batch(request)
                                        : single_message(decoder_.decode(request));
  if (!messages.ok()) {
    // A counter above 2^62 is refused apart: a peer (or something posing as one) trying
    // to move the clocks toward a wrap.
    if (messages.status().code() == StatusCode::kLimitExceeded) {
      metrics_.transport().internal_out_of_range++;
    } else {
      metrics_.transport().internal_decode_errors++;
    }
    logger_.debug("bad internal message: " + messages.status().message());
    answer(connection, slot, Route::kInternal,
           wire::make_error_response(400, messages.status().message()), started_ns);
    return;
  }
  const uint64_t now_ms = uv_now(&loop_);
  for (const Message& message : *messages) node_->on_message(message, now_ms);
  answer(connection, slot, Route::kInternal, wire::make_response(204), started_ns);
}

void Server::handle_admin(Connection& connection, uint64_t slot, Route route, bool ready_only,
                          const std::string& admin_node_id, uint64_t started_ns) {
  wire::HttpResponse response;
  switch (route) {
    case Route::kHealth:
      response = health_page(*node_, ready_only);
      break;
    case Route::kCluster:
      response = cluster_page(*node_);
      break;
    case Route::kRing:
      response = ring_page(*node_);
      break;
    case Route::kMetrics: {
      RuntimeGauges gauges{open_connections(), peers_->queued_messages(), pending_.size()};
      gauges.ring_epoch = node_->ring_config().epoch();
      gauges.ring = node_->ring_keeper().counters();
      gauges.stream = node_->ring_keeper().progress();
      std::string text = metrics_.render(node_->metrics(), storage_->lsm().stats(), gauges);
      response = wire::make_response(200, std::move(text), "text/plain; version=0.0.4");
      break;
    }
    case Route::kAdminDecommission:
      response = change_response(
          node_->begin_change(ChangeKind::kDecommission, node_->id(), uv_now(&loop_)));
      break;
    case Route::kAdminRemoveNode:
      response = change_response(
          node_->begin_change(ChangeKind::kRemove, admin_node_id, uv_now(&loop_)));
      break;
    default:
      response = wire::make_error_response(404, "no such route");
      break;
  }
  answer(connection, slot, route, response, started_ns);
}

void Server::answer(Connection& connection, uint64_t slot, Route route,
                    const wire::HttpResponse& response, uint64_t started_ns) {
  double latency_ms = static_cast<double>(uv_hrtime() - started_ns) / 1e6;
  metrics_.record_request(route_name(route), response.status, latency_ms);
  if (logger_.enabled(LogLevel::kDebug) && route != Route::kInternal) {
    logger_.debug(std::string("request route=") + route_name(route) + " status=" +
                  std::to_string(response.status) + " latency_ms=" + std::to_string(latency_ms));
  }
  connection.complete(slot, response);
}

void Server::deliver_reply(const Reply& reply) {
  auto found = pending_.find(reply.request_id);
  if (found == pending_.end()) return;  // already failed at shutdown
  PendingClient client = found->second;
  pending_.erase(found);
  if (reply.response.outcome == ClientOutcome::kQuorumFailed)
    metrics_.transport().quorum_failures++;
  Connection* connection = find_connection(client.connection_id);
  if (connection == nullptr) return;  // the client went away; the answer has no reader
  answer(*connection, client.slot, client.route, client_response_to_http(client.op, reply.response),
         client.started_ns);
}

}  // namespace ringkv::runtime
