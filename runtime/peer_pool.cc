#include "runtime/peer_pool.h"

#include <cstring>

#include "core/wire/batch.h"
#include "core/wire/codec.h"
#include "core/wire/http_writer.h"
#include "runtime/flags.h"
#include "runtime/peer_connection.h"
#include "runtime/router.h"

namespace ringkv::runtime {
namespace {

struct ResolveRequest {
  uv_getaddrinfo_t request{};
  PeerLink* link = nullptr;
  uint64_t generation = 0;
};

void on_retry_timer(uv_timer_t* timer) {
  auto* link = static_cast<PeerLink*>(timer->data);
  link->pool->pump(*link);
}

// Numeric addresses resolve at once; true when `host` was one.
bool resolve_numeric(const std::string& host, uint16_t port, sockaddr_storage& out) {
  sockaddr_in v4{};
  if (uv_ip4_addr(host.c_str(), port, &v4) == 0) {
    std::memcpy(&out, &v4, sizeof(v4));
    return true;
  }
  sockaddr_in6 v6{};
  if (uv_ip6_addr(host.c_str(), port, &v6) == 0) {
    std::memcpy(&out, &v6, sizeof(v6));
    return true;
  }
  return false;
}

}  // namespace

PeerPool::PeerPool(uv_loop_t* loop, const Logger& logger, TransportCounters& counters,
                   std::string cluster_token, size_t max_batch_body_bytes)
    : loop_(loop),
      logger_(logger),
      counters_(counters),
      cluster_token_(std::move(cluster_token)),
      max_batch_body_bytes_(max_batch_body_bytes) {}

PeerPool::~PeerPool() = default;

PeerLink& PeerPool::link_for(const NodeId& to, const std::string& address) {
  auto& slot = links_[to];
  if (!slot) {
    slot = std::make_unique<PeerLink>();
    slot->pool = this;
    slot->id = to;
    uv_timer_init(loop_, &slot->retry_timer);
    slot->retry_timer.data = slot.get();
  }
  PeerLink& link = *slot;
  if (link.address != address) {
    if (!link.address.empty()) logger_.info("peer " + to + " address is now " + address);
    link.address = address;
    link.address_generation++;
    link.have_resolved = false;
    link.resolving = false;
    link.backoff_ms = 0;
    link.next_attempt_ms = 0;
    for (PeerConnection*& connection : link.connections) {
      if (connection) connection->close();
      connection = nullptr;
    }
  }
  return link;
}

void PeerPool::send(const NodeId& to, const std::string& address, const Message& message) {
  if (closed_) return;
  PeerLink& link = link_for(to, address);
  if (link.queue.size() >= kMaxQueuedMessagesPerPeer ||
      link.queued_bytes >= kMaxQueuedBytesPerPeer) {
    counters_.peer_queue_drops++;
    return;
  }
  std::string frame;
  wire::append_batch_frame(message, frame);
  link.queued_bytes += frame.size();
  link.queue.push_back(std::move(frame));
}

std::string PeerPool::take_batch(PeerLink& link) {
  std::string body;
  const size_t frames = wire::take_batch_body(link.queue, max_batch_body_bytes_, body);
  link.queued_bytes -= std::min(link.queued_bytes, body.size());
  counters_.peer_messages_sent += frames;
  counters_.peer_batches_sent++;
  wire::HttpHeaders extra;
  if (!cluster_token_.empty()) extra.emplace_back(kClusterTokenHeader, cluster_token_);
  return wire::encode_batch_request_bytes(body, link.address, extra);
}

void PeerPool::flush() {
  for (auto& [id, link] : links_) {
    if (!link->queue.empty()) pump(*link);
  }
}

size_t PeerPool::queued_messages() const {
  size_t total = 0;
  for (const auto& [id, link] : links_) total += link->queue.size();
  return total;
}

void PeerPool::pump(PeerLink& link) {
  if (closed_) return;
  for (size_t index = 0; index < kConnectionsPerPeer; ++index) {
    PeerConnection* connection = link.connections[index];
    if (!connection) {
      bool wanted =
          index == 0 ? !link.queue.empty() : link.queue.size() >= kSecondConnectionQueueThreshold;
      if (wanted) start_connection(link, index);
      continue;
    }
    if (!connection->connected() || link.queue.empty() ||
        connection->in_flight() >= kMaxPipelinedRequestsPerPeerConnection) {
      continue;
    }
    // Everything this connection may pipeline goes out in one write (one writev), as few
    // batch requests as the limits allow.
    std::vector<std::string> requests;
    while (!link.queue.empty() &&
           connection->in_flight() + requests.size() < kMaxPipelinedRequestsPerPeerConnection) {
      requests.push_back(take_batch(link));
    }
    connection->write(std::move(requests));
  }
}

void PeerPool::start_connection(PeerLink& link, size_t index) {
  uint64_t now_ms = uv_now(loop_);
  if (now_ms < link.next_attempt_ms) {
    if (!uv_is_active(reinterpret_cast<uv_handle_t*>(&link.retry_timer))) {
      uv_timer_start(&link.retry_timer, on_retry_timer, link.next_attempt_ms - now_ms, 0);
    }
    return;
  }
  if (!link.have_resolved) {
    resolve(link);
    return;
  }
  auto* connection = new PeerConnection(*this, link);
  link.connections[index] = connection;
  if (!connection->connect(reinterpret_cast<const sockaddr*>(&link.resolved))) {
    connection_failed(link, connection, "connect could not start");
  }
}

void PeerPool::resolve(PeerLink& link) {
  if (link.resolving) return;
  auto host_port = parse_host_port(link.address);
  if (!host_port.ok()) {
    logger_.warn("peer " + link.id + " has a bad address '" + link.address + "'; queue dropped");
    counters_.peer_unknown_drops += link.queue.size();
    link.queue.clear();
    link.queued_bytes = 0;
    return;
  }
  if (resolve_numeric(host_port->host, host_port->port, link.resolved)) {
    link.have_resolved = true;
    pump(link);
    return;
  }
  auto* request = new ResolveRequest;
  request->link = &link;
  request->generation = link.address_generation;
  request->request.data = request;
  link.resolving = true;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  std::string port = std::to_string(host_port->port);
  auto on_resolved = [](uv_getaddrinfo_t* raw, int status, addrinfo* result) {
    std::unique_ptr<ResolveRequest> resolved(static_cast<ResolveRequest*>(raw->data));
    PeerLink& target = *resolved->link;
    bool current = resolved->generation == target.address_generation && !target.pool->closed();
    if (current) target.resolving = false;
    if (current && status == 0 && result) {
      std::memcpy(&target.resolved, result->ai_addr, result->ai_addrlen);
      target.have_resolved = true;
      target.pool->pump(target);
    } else if (current) {
      target.pool->connection_failed(target, nullptr,
                                     std::string("resolve: ") + uv_strerror(status));
    }
    if (result) uv_freeaddrinfo(result);
  };
  int status = uv_getaddrinfo(loop_, &request->request, on_resolved, host_port->host.c_str(),
                              port.c_str(), &hints);
  if (status != 0) {
    link.resolving = false;
    delete request;
    connection_failed(link, nullptr, std::string("resolve: ") + uv_strerror(status));
  }
}

void PeerPool::connection_ready(PeerLink& link) {
  logger_.debug("connected to peer " + link.id + " at " + link.address);
  if (link.logged_down && link.ever_connected) {
    logger_.info("peer " + link.id + " reachable again at " + link.address);
  }
  link.logged_down = false;
  link.ever_connected = true;
  link.backoff_ms = 0;
  link.next_attempt_ms = 0;
  pump(link);
}

void PeerPool::connection_failed(PeerLink& link, PeerConnection* connection,
                                 const std::string& reason) {
  for (PeerConnection*& slot : link.connections) {
    if (slot == connection && connection) slot = nullptr;
  }
  if (connection) connection->close();
  if (closed_) return;
  counters_.peer_connect_failures++;
  if (!link.logged_down) {
    // A peer not reached yet is usually still starting (debug). A lost connection is
    // information: a peer that stops cleanly closes it too; the failure detector's
    // `peer ID suspect` / `down` lines are the warnings that it is gone.
    const std::string line = "peer " + link.id + " at " + link.address + " unreachable: " + reason;
    if (link.ever_connected) {
      logger_.info(line);
    } else {
      logger_.debug(line + " (not reached yet)");
    }
    link.logged_down = true;
  }
  link.have_resolved = link.have_resolved && connection != nullptr;  // re-resolve names later
  link.backoff_ms = link.backoff_ms == 0 ? kReconnectBackoffInitialMs
                                         : std::min(link.backoff_ms * 2, kReconnectBackoffMaxMs);
  link.next_attempt_ms = uv_now(loop_) + link.backoff_ms;
  uv_timer_start(&link.retry_timer, on_retry_timer, link.backoff_ms, 0);
}

void PeerPool::close_all() {
  if (closed_) return;
  closed_ = true;
  for (auto& [id, link] : links_) {
    for (PeerConnection*& connection : link->connections) {
      if (connection) connection->close();
      connection = nullptr;
    }
    link->queue.clear();
    link->queued_bytes = 0;
    uv_close(reinterpret_cast<uv_handle_t*>(&link->retry_timer), nullptr);
  }
}

}  // namespace ringkv::runtime
