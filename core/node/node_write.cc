// Coordinator side of the write path: stamp, fan out, count acks, retry on stale.
#include "core/node/node.h"

namespace ringkv {

void Node::start_write(uint64_t request_id, const ClientRequest& request, uint64_t now_ms) {
  PendingWrite write;
  write.request_id = request_id;
  write.key = request.key;
  write.entry.tombstone = request.op == ClientOp::kDelete;
  if (!write.entry.tombstone) write.entry.value = request.value;
  write.replicas = ring_.preference_list(request.key, config_.replication_factor);
  write.required = request.write_quorum.value_or(config_.write_quorum);
  write.deadline_ms = deadline_for(request, now_ms);
  if (write.replicas.size() < write.required) {
    metrics_.writes_failed++;
    reply(request_id, ClientResponse{ClientOutcome::kQuorumFailed, {}, {}, 0, write.required,
                                     "the cluster knows only " +
                                         std::to_string(write.replicas.size()) + " nodes"});
    return;
  }
  std::optional<uint64_t> counter = stamp_counter();
  if (!counter) {
    metrics_.writes_failed++;
    reply(request_id, ClientResponse{ClientOutcome::kStorageError, {}, {}, 0, write.required,
                                     "cannot persist the Lamport counter lease"});
    return;
  }
  write.entry.version = Version{*counter, self_.id};
  uint64_t op = new_op();
  send_write(op, write);
  writes_.emplace(op, std::move(write));
}

void Node::send_write(uint64_t op, const PendingWrite& write) {
  for (const NodeId& replica : write.replicas) {
    send(replica, ReplicaWrite{op, write.key, write.entry, /*fresh=*/true});
  }
}

void Node::handle_write_ack(const NodeId& from, const ReplicaWriteAck& ack, uint64_t now_ms) {
  auto it = writes_.find(ack.op);
  if (it == writes_.end()) return;  // finished, expired or superseded by a retry
  PendingWrite& write = it->second;
  if (std::find(write.replicas.begin(), write.replicas.end(), from) == write.replicas.end()) {
    return;  // not a replica of this write
  }
  if (!ack.accepted) {
    // A replica holds a newer version: move our clock past it and try again, so that a
    // write that started after a completed write is ordered after it.
    observe(ack.current.counter);
    if (!write.replied) retry_write(ack.op, now_ms);
    return;
  }
  const bool first_from_replica = write.acked.insert(from).second;
  if (first_from_replica || bug(InjectedBug::kCountDuplicateAcks)) write.ack_count++;
  if (!write.replied && write.ack_count >= write.required) {
    write.replied = true;
    metrics_.writes_ok++;
    reply(write.request_id,
          ClientResponse{ClientOutcome::kOk, write.entry.version, {}, write.ack_count,
                         write.required, {}});
  }
  if (write.acked.size() == write.replicas.size()) writes_.erase(it);
}

void Node::retry_write(uint64_t op, uint64_t now_ms) {
  auto it = writes_.find(op);
  RINGKV_ASSERT(it != writes_.end());
  PendingWrite write = std::move(it->second);
  writes_.erase(it);
  if (write.retries >= config_.max_stale_retries) {
    metrics_.writes_failed++;
    reply(write.request_id,
          ClientResponse{ClientOutcome::kQuorumFailed, {}, {}, 0, write.required,
                         "replicas kept holding newer versions after " +
                             std::to_string(write.retries) + " retries"});
    return;
  }
  (void)now_ms;
  std::optional<uint64_t> counter = stamp_counter();
  if (!counter) {
    metrics_.writes_failed++;
    reply(write.request_id, ClientResponse{ClientOutcome::kStorageError, {}, {}, 0,
                                           write.required,
                                           "cannot persist the Lamport counter lease"});
    return;
  }
  metrics_.stale_retries++;
  write.retries++;
  write.acked.clear();
  write.ack_count = 0;
  write.entry.version = Version{*counter, self_.id};
  uint64_t new_op_id = new_op();
  send_write(new_op_id, write);
  writes_.emplace(new_op_id, std::move(write));
}

void Node::expire_writes(uint64_t now_ms) {
  for (auto it = writes_.begin(); it != writes_.end();) {
    PendingWrite& write = it->second;
    if (write.deadline_ms > now_ms) {
      ++it;
      continue;
    }
    if (!write.replied) {
      metrics_.writes_failed++;
      reply(write.request_id,
            ClientResponse{ClientOutcome::kQuorumFailed, {}, {}, write.ack_count,
                           write.required,
                           "write quorum not reached before the deadline"});
    }
    for (const NodeId& replica : write.replicas) {
      if (!write.acked.count(replica)) store_hint(replica, write.key, write.entry);
    }
    it = writes_.erase(it);
  }
}

}  // namespace ringkv
