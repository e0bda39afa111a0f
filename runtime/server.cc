#include "runtime/server.h"

#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "core/hash.h"
#include "core/wire/http_writer.h"

namespace ringkv::runtime {
namespace {

template <typename Handle>
uv_handle_t* as_handle(Handle* handle) {
  return reinterpret_cast<uv_handle_t*>(handle);
}

void close_if_open(uv_handle_t* handle) {
  if (handle->loop != nullptr && !uv_is_closing(handle)) uv_close(handle, nullptr);
}

Result<sockaddr_storage> resolve_listen_address(uv_loop_t* loop, const HostPort& address) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  uv_getaddrinfo_t request{};
  std::string port = std::to_string(address.port);
  int status = uv_getaddrinfo(loop, &request, nullptr, address.host.c_str(), port.c_str(), &hints);
  if (status != 0 || request.addrinfo == nullptr) {
    return Status::invalid_argument("cannot resolve " + address.to_string() + ": " +
                                    uv_strerror(status));
  }
  sockaddr_storage resolved{};
  std::memcpy(&resolved, request.addrinfo->ai_addr, request.addrinfo->ai_addrlen);
  uv_freeaddrinfo(request.addrinfo);
  return resolved;
}

}  // namespace

Server::Server(RuntimeOptions options, Logger& logger)
    : options_(std::move(options)), logger_(logger) {}

Server::~Server() {
  if (!loop_ready_) return;
  // Close whatever is still open (a failed start), then let the close callbacks run.
  uv_walk(
      &loop_,
      [](uv_handle_t* handle, void*) {
        if (!uv_is_closing(handle)) uv_close(handle, nullptr);
      },
      nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
  connections_.clear();
  uv_loop_close(&loop_);
}

Status Server::start() {
  if (int status = uv_loop_init(&loop_); status != 0) {
    return Status::io_error(std::string("uv_loop_init: ") + uv_strerror(status));
  }
  loop_ready_ = true;
  loop_.data = this;
  // Bound first: a start that cannot listen (the port is taken) consumes no incarnation,
  // and with --listen HOST:0 the port the node advertises is known from here on.
  RINGKV_RETURN_IF_ERROR(bind_listener());
  auto storage = NodeStorage::open(options_, logger_);
  if (!storage.ok()) return storage.status();
  storage_ = std::move(*storage);
  uint64_t now_ms = uv_now(&loop_);
  uint64_t seed = hash64(options_.id) ^ (storage_->incarnation() << 32) ^ uv_hrtime();
  // A blank store is a wiped disk or a first boot; both rebuild from the peers before
  // answering reads (docs/lost-data.md), which takes one exchange when all are blank.
  const bool blank = store_is_blank(storage_->replica_store());
  NodeIdentity identity{options_.id, options_.advertise.to_string(), storage_->incarnation(),
                        blank};
  node_ = std::make_unique<Node>(identity, options_.config, options_.peers,
                                 storage_->replica_store(), Prng(seed), now_ms);
  node_->attach_hint_store(storage_->hint_store());
  if (node_->rebuilding()) {
    logger_.warn(std::string(blank ? "the data store is blank (a first boot or a lost disk): "
                                   : "resuming an interrupted rebuild: ") +
                 "no reads are answered until every peer's data is pulled");
  }
  DriverHost& host = *this;
  driver_ = std::make_unique<NodeDriver>(
      *node_, storage_->lsm(), storage_->hint_lsm(), host,
      DriverOptions{options_.sync, options_.sync_batch_interval_ms, kCompactionStepEntries,
                    /*detached_compaction=*/true});
  events_ = std::make_unique<EventLog>(logger_, *node_, storage_->lsm(), storage_->hint_lsm());
  http_limits_ = wire::internal_http_limits(options_.config.max_value_bytes);
  peers_ = std::make_unique<PeerPool>(&loop_, logger_, metrics_.transport(),
                                      options_.cluster_token, http_limits_.max_body_bytes);
  uv_prepare_init(&loop_, &prepare_);
  prepare_.data = this;
  uv_prepare_start(&prepare_, on_prepare);
  for (uv_timer_t* timer : {&tick_timer_, &grace_timer_, &flush_timer_, &sweep_timer_}) {
    uv_timer_init(&loop_, timer);
    timer->data = this;
  }
  // A quarter of the shortest timeout, so a slow client is cut within 1.25x of its limit.
  uint64_t sweep_ms = std::clamp<uint64_t>(
      std::min(options_.idle_timeout_ms, options_.read_timeout_ms) / 4, 5, 1000);
  uv_timer_start(&sweep_timer_, on_sweep_timer, sweep_ms, sweep_ms);
  for (auto [signal, number] : {std::pair{&sigterm_, SIGTERM}, std::pair{&sigint_, SIGINT}}) {
    uv_signal_init(&loop_, signal);
    signal->data = this;
    uv_signal_start(signal, on_signal, number);
  }
  uv_timer_start(&tick_timer_, on_tick_timer, 0, 0);  // the first drive() arms it properly
  logger_.info("listening on " + options_.listen.to_string() +
               " advertise=" + options_.advertise.to_string() +
               " incarnation=" + std::to_string(storage_->incarnation()) + " peers=" +
               std::to_string(options_.peers.size()) + " sync=" + sync_policy_name(options_.sync) +
               " N=" + std::to_string(options_.config.replication_factor) +
               " W=" + std::to_string(options_.config.write_quorum) +
               " R=" + std::to_string(options_.config.read_quorum));
  if (!options_.port_file.empty()) return write_port_file();
  return Status();
}

// Written whole under a temporary name and renamed, so a reader never sees half of it.
Status Server::write_port_file() const {
  const std::string temporary = options_.port_file + ".tmp";
  std::FILE* file = std::fopen(temporary.c_str(), "w");
  const std::string line = options_.listen.to_string() + "\n";
  const bool written = file && std::fwrite(line.data(), 1, line.size(), file) == line.size();
  const bool closed = file && std::fclose(file) == 0;
  if (!written || !closed || std::rename(temporary.c_str(), options_.port_file.c_str()) != 0) {
    return Status::io_error("cannot write --port-file " + options_.port_file + ": " +
                            std::strerror(errno));
  }
  return Status();
}

Status Server::bind_listener() {
  auto address = resolve_listen_address(&loop_, options_.listen);
  if (!address.ok()) return address.status();
  uv_tcp_init(&loop_, &listener_);
  listener_.data = this;
  int status = uv_tcp_bind(&listener_, reinterpret_cast<const sockaddr*>(&*address), 0);
  if (status == 0) {
    status = uv_listen(reinterpret_cast<uv_stream_t*>(&listener_), kListenBacklog, on_connection);
  }
  if (status != 0) {
    return Status::io_error("cannot listen on " + options_.listen.to_string() + ": " +
                            uv_strerror(status));
  }
  if (options_.listen.port == 0) {  // the system picked one: that is the address now
    sockaddr_storage bound{};
    int length = sizeof bound;
    status = uv_tcp_getsockname(&listener_, reinterpret_cast<sockaddr*>(&bound), &length);
    if (status != 0) return Status::io_error(std::string("getsockname: ") + uv_strerror(status));
    const uint16_t port = bound.ss_family == AF_INET6
                              ? ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port)
                              : ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
    options_.listen.port = port;
    if (options_.advertise.port == 0) options_.advertise.port = port;
  }
  return Status();
}

void Server::on_connection(uv_stream_t* listener, int status) {
  auto* self = static_cast<Server*>(listener->data);
  if (status != 0 || self->shutting_down_) return;
  uint64_t id = self->next_connection_id_++;
  auto connection = std::make_unique<Connection>(&self->loop_, id, *self, self->http_limits_);
  if (uv_accept(listener, connection->stream()) != 0) {
    connection->close();
    self->connections_.emplace(id, std::move(connection));
    return;
  }
  Connection& accepted = *connection;
  self->connections_.emplace(id, std::move(connection));
  if (self->open_connections() > self->options_.max_connections) {
    self->metrics_.transport().connections_refused++;
    self->refusing_.insert(id);
    if (self->refusing_.size() > kMaxRefusingConnections) {
      accepted.close();
      return;
    }
    accepted.refuse(
        wire::make_error_response(503, "too many connections (max_connections=" +
                                           std::to_string(self->options_.max_connections) + ")"));
    return;
  }
  self->metrics_.transport().connections_accepted++;
  accepted.start();
}

void Server::on_closed(Connection& connection) {
  refusing_.erase(connection.id());
  connections_.erase(connection.id());  // destroys `connection`
  if (finished_ && connections_.empty()) close_if_open(as_handle(&flush_timer_));
}

void Server::on_sweep_timer(uv_timer_t* timer) {
  auto* self = static_cast<Server*>(timer->data);
  ConnectionTimeouts timeouts{self->options_.idle_timeout_ms, self->options_.read_timeout_ms};
  uint64_t now_ms = uv_now(&self->loop_);
  std::vector<Connection*> open;  // check_timeouts may close (never destroys synchronously)
  for (auto& [id, connection] : self->connections_) open.push_back(connection.get());
  for (Connection* connection : open) {
    switch (connection->check_timeouts(now_ms, timeouts)) {
      case TimeoutVerdict::kIdleClosed:
        self->metrics_.transport().idle_connections_closed++;
        break;
      case TimeoutVerdict::kReadTimedOut:
        self->metrics_.transport().read_timeouts++;
        break;
      case TimeoutVerdict::kNone:
        break;
    }
  }
}

bool Server::defer_flush(Connection& connection) {
  if (finished_) return false;  // drive() no longer runs
  flush_ready_.push_back(connection.id());
  return true;
}

Connection* Server::find_connection(uint64_t id) {
  auto found = connections_.find(id);
  return found == connections_.end() || found->second->closing() ? nullptr : found->second.get();
}

int Server::run() {
  uv_run(&loop_, UV_RUN_DEFAULT);
  logger_.info("stopped");
  return exit_code_;
}

void Server::on_signal(uv_signal_t* handle, int signal_number) {
  static_cast<Server*>(handle->data)->begin_shutdown(signal_number);
}

void Server::begin_shutdown(int signal_number) {
  if (shutting_down_) {
    logger_.warn("second signal " + std::to_string(signal_number) + ": stopping now");
    fail_pending_clients("node is shutting down");
    finish();
    return;
  }
  shut_down("signal " + std::to_string(signal_number));
}

void Server::shut_down(const std::string& why) {
  shutting_down_ = true;
  logger_.info(why + ": shutting down, " + std::to_string(pending_.size()) +
               " client requests in flight");
  close_if_open(as_handle(&listener_));
  // Connections stay open: peers' acks for the requests in flight arrive on them. New
  // client requests get 503 (on_request) until finish() closes everything.
  uv_timer_start(&grace_timer_, on_grace_timer, options_.shutdown_grace_ms, 0);
  if (pending_.empty()) finish();
}

void Server::on_grace_timer(uv_timer_t* timer) {
  auto* self = static_cast<Server*>(timer->data);
  self->logger_.warn("shutdown grace over: failing " + std::to_string(self->pending_.size()) +
                     " client requests");
  self->fail_pending_clients("node is shutting down");
  self->finish();
}

void Server::fail_pending_clients(const std::string& reason) {
  std::map<uint64_t, PendingClient> pending;
  pending.swap(pending_);
  for (const auto& [request_id, client] : pending) {
    if (Connection* connection = find_connection(client.connection_id)) {
      answer(*connection, client.slot, client.route, wire::make_error_response(503, reason),
             client.started_ns);
    }
  }
}

void Server::finish() {
  if (finished_) return;
  finished_ = true;
  // A compaction under way stops at its next step (its output is removed at the next
  // start); the loop ends once its job returns.
  storage_->lsm().cancel_detached_compaction();
  storage_->hint_lsm().cancel_detached_compaction();
  Status committed = node_->commit(uv_now(&loop_));
  Status synced = storage_->lsm().sync();
  if (synced.ok()) synced = storage_->hint_lsm().sync();
  if (!committed.ok() || !synced.ok()) {
    logger_.error("final sync failed: " + (committed.ok() ? synced : committed).to_string());
    exit_code_ = 1;
  }
  peers_->close_all();
  for (uv_handle_t* handle : {as_handle(&prepare_), as_handle(&tick_timer_),
                              as_handle(&grace_timer_),
                              as_handle(&sweep_timer_),
                              as_handle(&sigterm_), as_handle(&sigint_), as_handle(&listener_)}) {
    close_if_open(handle);
  }
  flush_ready_connections();  // defer_flush() says no from now on
  for (auto& [id, connection] : connections_) connection->drain_and_close();
  if (connections_.empty()) {
    close_if_open(as_handle(&flush_timer_));
  } else {
    uv_timer_start(&flush_timer_, on_flush_timer, kShutdownFlushMs, 0);
  }
}

void Server::on_flush_timer(uv_timer_t* timer) {
  auto* self = static_cast<Server*>(timer->data);
  for (auto& [id, connection] : self->connections_) connection->close();
  close_if_open(as_handle(timer));
}

}  // namespace ringkv::runtime
