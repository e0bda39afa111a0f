#include "core/node/node.h"

#include <algorithm>

#include "core/node/side_records.h"

namespace ringkv {
namespace {
// Bounds on internal loops: local message chains (write -> ack -> retry) are short.
constexpr int kMaxCommitRounds = 8;
constexpr size_t kMaxLocalMessagesPerDrain = 100000;
// Counters stamped per durable lease extension (one store sync per this many writes).
constexpr uint64_t kLamportLeaseStep = 1 << 16;
const Key kLamportLeaseKey;  // the empty key: invalid for clients, never replicated
// Keys the anti-entropy index load scans per step (about 20 ms): a large store loads over
// many ticks while the node serves.
constexpr size_t kIndexLoadKeysPerStep = 20000;
}  // namespace

Node::Node(NodeIdentity self, Config config, const std::vector<Peer>& peers,
           ReplicaStore& store, Prng prng, uint64_t now_ms)
    : self_(std::move(self)),
      config_(std::move(config)),
      store_(store),
      prng_(std::move(prng)),
      membership_(MemberRow{self_.id, self_.address, self_.incarnation, 0, MemberStatus::kAlive},
                  Membership::Timing{config_.suspect_after_ms, config_.dead_after_ms},
                  config_.max_cluster_nodes, now_ms),
      // Op ids are unique across restarts: the incarnation is in the high bits.
      next_op_((self_.incarnation << 40) + 1),
      next_gossip_ms_(now_ms),
      now_ms_(now_ms),
      hinted_handoff_(part_context(), *this, now_ms),
      anti_entropy_(part_context(), AntiEntropy::Replica{self_.id, ring_, store_, index_}, prng_,
                    *this, now_ms) {
  RINGKV_ASSERT_MSG(config_.validate().ok(), "Node built from an invalid Config");
  RINGKV_ASSERT(valid_node_id(self_.id));
  for (const Peer& peer : peers) {
    bool added = membership_.add_seed(peer.id, peer.address, now_ms);
    RINGKV_ASSERT_MSG(added, "more peers than max_cluster_nodes");
  }
  const std::optional<std::string> marker = load_lamport_lease();
  std::optional<RingDescription> persisted;
  std::map<NodeId, StreamCursor> cursors;
  load_ring_records(persisted, cursors);
  RingKeeperOptions options;
  options.self = self_.id;
  options.address = self_.address;
  for (const Peer& peer : peers) options.seeds.emplace_back(peer.id, peer.address);
  options.replication_factor = config_.replication_factor;
  options.vnodes_per_node = config_.vnodes_per_node;
  options.max_members = config_.max_cluster_nodes;
  options.stream_batch_bytes = config_.stream_batch_bytes;
  options.stream_max_bytes_per_s = config_.stream_max_bytes_per_s;
  RingKeeperHost& host = *this;
  Outbox& outbox = *this;
  keeper_ = std::make_unique<RingKeeper>(std::move(options), host, outbox, std::move(persisted),
                                         std::move(cursors), now_ms);
  follow_ring(RingConfig(), keeper_->config());
  if (!keeper_->formed()) rebuild_index();
  keeper_->tick(now_ms);  // asks the peers for their configuration at once
  if (self_.lost_data || (marker && is_rebuild_marker(*marker))) {
    // A lease kept through the loss (or restored before a restart) still bounds every
    // counter stamped; a blank store's clock comes back from the peers.
    enter_rebuild(marker && *marker != kRebuildNoClock);
  }
}

NodeContext Node::part_context() {
  return NodeContext{config_, membership_, side_store_, simulation_, metrics_, peer_activity_};
}

bool store_is_blank(ReplicaStore& store) {
  bool any = false;
  Status scanned = store.scan("", [&](std::string_view, const Entry&) {
    any = true;
    return false;
  });
  return scanned.ok() && !any;
}

std::optional<std::string> Node::load_lamport_lease() {
  Result<std::optional<Entry>> lease = store_.get(kLamportLeaseKey);
  if (!lease.ok()) {
    metrics_.storage_errors++;  // writes will retry persisting a lease and fail until then
    return std::nullopt;
  }
  if (!*lease) return std::nullopt;
  lease_record_counter_ = (*lease)->version.counter;
  if ((*lease)->value != kRebuildNoClock) {
    lamport_lease_ = lease_record_counter_;
    clock_.observe(lamport_lease_);  // every counter of earlier lives is <= the lease
  }
  return std::string((*lease)->value);
}

bool Node::persist_lease(uint64_t lease) {
  lease = std::max(lease, lease_record_counter_ + 1);
  std::string marker;
  if (rebuild_) {
    marker = rebuild_->clock_restored ? kRebuildClockRestored : kRebuildNoClock;
  }
  Result<ApplyResult> applied =
      store_.apply(kLamportLeaseKey, Entry{Version{lease, self_.id}, false, marker});
  if (!applied.ok() || !store_.sync().ok()) {
    metrics_.storage_errors++;
    return false;
  }
  lease_record_counter_ = lease;
  if (marker != kRebuildNoClock) lamport_lease_ = lease;
  return true;
}

std::optional<uint64_t> Node::stamp_counter() {
  if (clock_.current() + 1 > lamport_lease_) {
    if (!persist_lease(clock_.current() + 1 + kLamportLeaseStep)) return std::nullopt;
  }
  return clock_.tick();
}

void Node::rebuild_index() {
  index_.reset(ring_, self_.id, config_.replication_factor);
  index_.begin_load();  // steps from the next tick on (next_tick_ms() is now)
}

void Node::load_index_step() {
  // buggify: tiny steps, so that applies and ring changes land in the middle of a load
  const size_t budget = simulation_.buggify() ? 1 + prng_.uniform(64) : kIndexLoadKeysPerStep;
  // A scan that failed halfway leaves keys out of the trees, so anti-entropy would never
  // repair them: the next round rebuilds again, until a scan completes.
  if (!index_.load_step(store_, budget, now_ms_).ok()) {
    metrics_.storage_errors++;
    return;
  }
  if (index_.loading()) metrics_.index_load_steps++;  // more to come: a step between others
}

void Node::attach_hint_store(ReplicaStore& hints) {
  side_store_.attach(hints);
  hinted_handoff_.clear_byte_counts();
  anti_entropy_.clear_purge_floors();
  // One scan loads both parts: the side store holds hints and purge floors.
  Status scanned = hints.scan("", [&](std::string_view stored_key, const Entry& record) {
    std::optional<SideKey> side = parse_side_key(stored_key);
    if (!side) return true;
    if (side->target.empty()) {
      anti_entropy_.load_purge_floor(side->key, record);
    } else {
      hinted_handoff_.load_hint(NodeId(side->target), side->key, record, now_ms_);
    }
    return true;
  });
  if (!scanned.ok()) metrics_.storage_errors++;
}

void Node::on_client_request(uint64_t request_id, const ClientRequest& request,
                             uint64_t now_ms) {
  now_ms_ = now_ms;
  if (auto error = validate_request(request)) {
    metrics_.bad_requests++;
    reply(request_id, ClientResponse{ClientOutcome::kBadRequest, {}, {}, 0, 0, *error});
    return;
  }
  if (auto refusal = refuse_client()) {
    metrics_.refused_not_serving++;
    reply(request_id, ClientResponse{ClientOutcome::kQuorumFailed, {}, {}, 0, 0, *refusal});
    return;
  }
  if (inflight_requests() >= config_.max_inflight_requests) {
    metrics_.overloaded++;
    reply(request_id, ClientResponse{ClientOutcome::kOverloaded, {}, {}, 0, 0,
                                     "too many requests in flight (max_inflight_requests=" +
                                         std::to_string(config_.max_inflight_requests) + ")"});
    return;
  }
  if (request.op == ClientOp::kGet) {
    start_read(request_id, request, now_ms);
  } else {
    start_write(request_id, request, now_ms);
  }
  drain_local(now_ms);
}

void Node::on_message(const Message& message, uint64_t now_ms) {
  now_ms_ = now_ms;
  dispatch(message, now_ms);
  drain_local(now_ms);
}

void Node::dispatch(const Message& message, uint64_t now_ms) {
  observe(message.lamport);
  const NodeId& from = message.from;
  if (rebuild_ && !rebuild_->clock_restored && from != self_.id) note_heard(from);
  // A message from a newer epoch makes this node ask for that configuration (a coordinator
  // behind its replicas catches up from their answers); the injected bug ignores epochs.
  if (from != self_.id && !simulation_.injected(InjectedBug::kStaleEpochAccepted)) {
    keeper_->observe_epoch(from, message.epoch);
  }
  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, ReplicaWrite>) {
          if (admit(from, message.epoch, body.op)) handle_replica_write(from, body);
        } else if constexpr (std::is_same_v<T, ReplicaWriteAck>) {
          if (hinted_handoff_.handle_ack(from, body)) return;
          if (reads_.count(body.op)) {
            handle_write_back_ack(from, body);
          } else {
            handle_write_ack(from, body);
          }
        } else if constexpr (std::is_same_v<T, ReplicaRead>) {
          if (admit(from, message.epoch, body.op)) handle_replica_read(from, body);
        } else if constexpr (std::is_same_v<T, ReplicaReadReply>) {
          handle_read_reply(from, body);
        } else if constexpr (std::is_same_v<T, Gossip>) {
          handle_gossip(from, body, now_ms);
        } else if constexpr (std::is_same_v<T, MerkleQuery>) {
          anti_entropy_.handle_merkle_query(from, body);
        } else if constexpr (std::is_same_v<T, MerkleHashes>) {
          anti_entropy_.handle_merkle_hashes(from, body);
        } else if constexpr (std::is_same_v<T, SyncEntries>) {
          anti_entropy_.handle_sync_entries(from, body);
        } else if constexpr (std::is_same_v<T, VersionQuery>) {
          if (admit(from, message.epoch, body.op)) handle_version_query(from, body);
        } else if constexpr (std::is_same_v<T, VersionQueryReply>) {
          handle_query_reply(from, body);
        } else if constexpr (std::is_same_v<T, EpochRefusal>) {
          // The replica's configuration came first on the same link; adopting it moved the
          // operation to the new sets (replan_pending). Lost, it is asked for (above).
          metrics_.epoch_refusals_received++;
          // A replica behind this node (or not formed yet) asked for the configuration
          // before refusing: it holds it by the time the request arrives again.
          if (body.epoch < ring_epoch()) resend(from, body.op);
        } else {
          keeper_->handle(from, body, now_ms);  // ring, ring-ack, stream, change
        }
      },
      message.body);
}

void Node::on_tick(uint64_t now_ms) {
  now_ms_ = now_ms;
  if (index_.loading()) load_index_step();
  if (now_ms >= next_gossip_ms_) gossip_round(now_ms);
  membership_.update_liveness(now_ms);
  if (now_ms >= anti_entropy_.next_round_ms()) anti_entropy_round(now_ms);
  if (now_ms >= hinted_handoff_.next_replay_ms()) hinted_handoff_.replay(now_ms);
  if (now_ms >= keeper_->next_tick_ms()) keeper_->tick(now_ms);
  expire_writes(now_ms);
  expire_reads(now_ms);
  drain_local(now_ms);
}

Status Node::commit(uint64_t now_ms) {
  for (int round = 0; round < kMaxCommitRounds && has_uncommitted(); ++round) {
    Result<uint64_t> batch = seal_commit(now_ms);
    if (!batch.ok()) return batch.status();
    if (*batch == 0) break;
    Status synced = store_.sync();
    finish_commit(*batch, synced, now_ms);
    if (!synced.ok()) return synced;
  }
  return Status();
}

Result<uint64_t> Node::seal_commit(uint64_t now_ms) {
  now_ms_ = now_ms;
  Status side_synced = side_store_.sync();  // it gates no answer: synced here, in place
  if (!side_synced.ok()) {
    metrics_.storage_errors++;
    return side_synced;
  }
  const bool streamed = keeper_->streamed_awaiting_commit();
  if (held_.empty() && !streamed) return uint64_t{0};
  const uint64_t batch = next_commit_batch_++;
  sealed_[batch].swap(held_);
  if (streamed) sealed_streamed_[batch] = keeper_->config().epoch();
  return batch;
}

void Node::finish_commit(uint64_t batch, const Status& synced, uint64_t now_ms) {
  now_ms_ = now_ms;
  auto it = sealed_.find(batch);
  if (it == sealed_.end()) return;
  std::vector<Envelope> released = std::move(it->second);
  sealed_.erase(it);
  metrics_.commits++;
  auto streamed = sealed_streamed_.find(batch);
  if (streamed != sealed_streamed_.end()) {
    if (synced.ok() && streamed->second == keeper_->config().epoch()) keeper_->on_commit();
    sealed_streamed_.erase(streamed);
  }
  if (!synced.ok()) {
    metrics_.storage_errors++;
    metrics_.answers_dropped_sync_failed += released.size();
    return;
  }
  for (Envelope& envelope : released) {
    if (envelope.to == self_.id) {
      local_inbox_.push_back(std::move(envelope.message));
    } else {
      outbox_.push_back(std::move(envelope));
    }
  }
  drain_local(now_ms);
}

std::vector<Envelope> Node::take_messages() {
  std::vector<Envelope> out;
  out.swap(outbox_);
  return out;
}

std::vector<Reply> Node::take_replies() {
  std::vector<Reply> out;
  out.swap(replies_);
  return out;
}

uint64_t Node::next_tick_ms() const {
  if (index_.loading()) return now_ms_;  // the next step of the load, as soon as possible
  uint64_t next = std::min(
      {next_gossip_ms_, anti_entropy_.next_round_ms(), hinted_handoff_.next_replay_ms(),
       keeper_->next_tick_ms()});
  for (const auto& [op, write] : writes_) {
    next = std::min(next, write.deadline_ms);
    if (write.querying && !write.not_queried.empty()) next = std::min(next, write.hedge_at_ms);
  }
  for (const auto& [op, read] : reads_) next = std::min(next, read.deadline_ms);
  return next;
}

uint64_t Node::deadline_for(const ClientRequest& request, uint64_t now_ms) {
  // buggify: a very short deadline
  if (simulation_.buggify()) return now_ms + 1 + prng_.uniform(50);
  return now_ms + request.timeout_ms.value_or(config_.default_timeout_ms);
}

void Node::send(const NodeId& to, MessageBody body) {
  Message message{self_.id, clock_.current(), std::move(body), ring_epoch()};
  if (to == self_.id) {
    local_inbox_.push_back(std::move(message));
  } else {
    outbox_.push_back(Envelope{to, std::move(message)});
  }
}

void Node::hold(const NodeId& to, MessageBody body) {
  if (simulation_.injected(InjectedBug::kAckBeforeSync)) {
    send(to, std::move(body));
    return;
  }
  held_.push_back(Envelope{to, Message{self_.id, clock_.current(), std::move(body), ring_epoch()}});
}

void Node::drain_local(uint64_t now_ms) {
  for (size_t handled = 0; !local_inbox_.empty(); ++handled) {
    RINGKV_ASSERT_MSG(handled < kMaxLocalMessagesPerDrain, "local message loop does not end");
    Message message = std::move(local_inbox_.front());
    local_inbox_.pop_front();
    dispatch(message, now_ms);
  }
}

void Node::reply(uint64_t request_id, ClientResponse response) {
  replies_.push_back(Reply{request_id, std::move(response)});
}

std::optional<std::string> Node::validate_request(const ClientRequest& request) const {
  const uint32_t n = config_.replication_factor;
  if (request.key.empty()) return "key must not be empty";
  if (is_node_record_key(request.key)) {
    return "keys that start with a NUL byte (%00) are reserved for the node's own records";
  }
  if (request.key.size() > config_.max_key_bytes) {
    return "key is " + std::to_string(request.key.size()) + " bytes, max_key_bytes is " +
           std::to_string(config_.max_key_bytes);
  }
  if (request.op == ClientOp::kPut && request.value.size() > config_.max_value_bytes) {
    return "value is " + std::to_string(request.value.size()) + " bytes, max_value_bytes is " +
           std::to_string(config_.max_value_bytes);
  }
  if (request.write_quorum && (*request.write_quorum < 1 || *request.write_quorum > n)) {
    return "w must be in 1.." + std::to_string(n);
  }
  if (request.read_quorum && (*request.read_quorum < 1 || *request.read_quorum > n)) {
    return "r must be in 1.." + std::to_string(n);
  }
  if (request.timeout_ms &&
      (*request.timeout_ms < 1 || *request.timeout_ms > config_.max_timeout_ms)) {
    return "timeout_ms must be in 1.." + std::to_string(config_.max_timeout_ms);
  }
  return std::nullopt;
}

const char* client_op_name(ClientOp op) {
  switch (op) {
    case ClientOp::kGet: return "GET";
    case ClientOp::kPut: return "PUT";
    case ClientOp::kDelete: return "DELETE";
  }
  return "?";
}

const char* client_outcome_name(ClientOutcome outcome) {
  switch (outcome) {
    case ClientOutcome::kOk: return "ok";
    case ClientOutcome::kNotFound: return "not_found";
    case ClientOutcome::kBadRequest: return "bad_request";
    case ClientOutcome::kQuorumFailed: return "quorum_failed";
    case ClientOutcome::kOverloaded: return "overloaded";
    case ClientOutcome::kStorageError: return "storage_error";
    case ClientOutcome::kInsufficientStorage: return "insufficient_storage";
  }
  return "?";
}

}  // namespace ringkv
