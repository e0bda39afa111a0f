// Coordinator side of the write path (ABD on Lamport versions, docs/consistency.md):
//   strong (2W > N): ask the N replicas for their version, wait for ceil(N/2) answers,
//                    stamp once above the highest, write to the N replicas, W acks;
//   weak (2W <= N):  stamp from the local clock at once, write, W acks.
// A write is stamped exactly once. Replicas ack `applied` or `superseded`; both count.
#include "core/node/node.h"

#include <algorithm>

namespace ringkv {

void Node::start_write(uint64_t request_id, const ClientRequest& request, uint64_t now_ms) {
  PendingWrite write;
  write.request_id = request_id;
  write.key = request.key;
  write.entry.tombstone = request.op == ClientOp::kDelete;
  if (!write.entry.tombstone) write.entry.value = request.value;
  write.sets = write_sets(request.key);  // both while the key moves
  write.replicas = write.sets.members();
  write.required = request.write_quorum.value_or(config_.write_quorum);
  write.deadline_ms = deadline_for(request, now_ms);
  const uint32_t n = config_.replication_factor;
  write.querying = 2 * write.required > n;
  const size_t needed = write.querying ? std::max(write.required, (n + 1) / 2) : write.required;
  if (write.sets.old_set.size() < needed || write.sets.new_set.size() < needed) {
    metrics_.writes_failed++;
    reply(request_id, ClientResponse{ClientOutcome::kQuorumFailed,
                                     {},
                                     {},
                                     0,
                                     write.required,
                                     "the cluster knows only " +
                                         std::to_string(write.replicas.size()) + " nodes"});
    return;
  }
  if (rebuild_ && !rebuild_->clock_restored) {
    metrics_.writes_failed++;
    metrics_.refused_rebuilding++;
    reply(request_id, ClientResponse{ClientOutcome::kQuorumFailed, {}, {}, 0, write.required,
                                     "this node lost its data and cannot stamp writes until "
                                     "it has heard from every peer (" +
                                         rebuild_progress() + ")"});
    return;
  }
  const uint64_t op = new_op();
  auto [it, inserted] = writes_.emplace(op, std::move(write));
  RINGKV_ASSERT(inserted);
  if (!it->second.querying) {
    stamp_and_send(op);
    return;
  }
  metrics_.version_queries++;
  send_version_queries(op, now_ms);
}

// Asks ceil(N/2) replicas first: this node if it is one (its answer is local), then those
// gossip sees alive, in preference order. The rest are asked at hedge_at_ms, or at once
// when a first answer is an error (hedge_version_query).
void Node::send_version_queries(uint64_t op, uint64_t now_ms) {
  PendingWrite& write = writes_.at(op);
  std::vector<NodeId> order;
  auto take = [&](auto&& wanted) {
    for (const NodeId& replica : write.replicas) {
      if (wanted(replica) && std::find(order.begin(), order.end(), replica) == order.end()) {
        order.push_back(replica);
      }
    }
  };
  take([&](const NodeId& id) { return id == self_.id && serves_reads(); });
  take([&](const NodeId& id) { return membership_.status_of(id) == MemberStatus::kAlive; });
  take([](const NodeId&) { return true; });
  const size_t first = config_.version_query_hedge_ms == 0
                           ? order.size()
                           : std::min<size_t>(order.size(), (config_.replication_factor + 1) / 2);
  write.not_queried.assign(order.begin() + static_cast<std::ptrdiff_t>(first), order.end());
  write.hedge_at_ms = now_ms + config_.version_query_hedge_ms;
  for (size_t i = 0; i < first; ++i) send(order[i], VersionQuery{op, write.key});
}

void Node::hedge_version_query(uint64_t op) {
  PendingWrite& write = writes_.at(op);
  if (write.not_queried.empty()) return;
  metrics_.version_query_hedges++;
  for (const NodeId& replica : write.not_queried) send(replica, VersionQuery{op, write.key});
  write.not_queried.clear();
}

void Node::handle_query_reply(const NodeId& from, const VersionQueryReply& answer) {
  auto it = writes_.find(answer.op);
  if (it == writes_.end() || !it->second.querying) return;
  PendingWrite& write = it->second;
  if (!answer.ok) {
    hedge_version_query(answer.op);  // that replica cannot answer: ask the others now
    return;
  }
  if (std::find(write.replicas.begin(), write.replicas.end(), from) == write.replicas.end()) {
    return;  // not a replica of this key
  }
  observe(answer.version.counter);
  if (!write.queried.insert(from).second) return;  // a duplicate answer
  if (write.highest_seen < answer.version) write.highest_seen = answer.version;
  if (query_quorum_met(write)) stamp_and_send(answer.op);
}

void Node::stamp_and_send(uint64_t op) {
  PendingWrite& write = writes_.at(op);
  write.querying = false;
  observe(write.highest_seen.counter);
  std::optional<uint64_t> counter = stamp_counter();
  if (!counter) {
    fail_write(op, ClientOutcome::kStorageError, "cannot persist the Lamport counter lease");
    return;
  }
  write.entry.version = Version{*counter, self_.id};
  write.stamped_epoch = keeper_->config().epoch();
  for (const NodeId& replica : write.replicas) {
    send(replica, ReplicaWrite{op, write.key, write.entry, /*fresh=*/true});
  }
}

void Node::handle_write_ack(const NodeId& from, const ReplicaWriteAck& ack) {
  auto it = writes_.find(ack.op);
  if (it == writes_.end() || it->second.querying) return;
  PendingWrite& write = it->second;
  if (std::find(write.replicas.begin(), write.replicas.end(), from) == write.replicas.end()) {
    return;  // not a replica of this write
  }
  if (!ack.accepted) {
    handle_write_refusal(ack.op, from);
    return;
  }
  if (ack.superseded) {
    metrics_.writes_superseded++;
    if (simulation_.injected(InjectedBug::kRestampOnRetry) && !write.replied &&
        write.restamps < 3) {
      restamp(ack.op, ack.current);
      return;
    }
  }
  write.refused.erase(from);  // a replica that refused earlier found space (a resend)
  const bool first_from_replica = write.acked.insert(from).second;
  if (first_from_replica || simulation_.injected(InjectedBug::kCountDuplicateAcks)) {
    write.ack_count++;
  }
  maybe_finish_write(ack.op);
}

// A replica's disk is full: it did not store the write. If the replicas left can no longer
// make a quorum, the write fails at once with 507 rather than at its deadline with 503, and
// leaves hints like a failed write does (it is indeterminate: some replicas may hold it).
void Node::handle_write_refusal(uint64_t op, const NodeId& from) {
  PendingWrite& write = writes_.at(op);
  if (write.acked.count(from) || !write.refused.insert(from).second) return;
  metrics_.writes_refused_no_space++;
  if (write.replied) return;
  std::set<NodeId> possible;
  for (const NodeId& replica : write.replicas) {
    if (!write.refused.count(replica)) possible.insert(replica);
  }
  if (quorum_of(write.sets, possible, possible.size(), write.required)) return;
  std::string full;
  for (const NodeId& id : write.refused) full += (full.empty() ? "" : ", ") + id;
  std::string why = "not enough disk space: the disk" +
                    std::string(write.refused.size() > 1 ? "s" : "") + " of " + full +
                    (write.refused.size() > 1 ? " are" : " is") + " full; ";
  if (write.sets.moving()) {
    why += "the replicas left cannot make " + std::to_string(write.required) +
           " in both the key's old and new replica sets (it is moving)";
  } else {
    why += std::to_string(possible.size()) + " of " + std::to_string(write.replicas.size()) +
           " replicas can store the write, " + std::to_string(write.required) + " needed";
  }
  store_hints(write, now_ms_);
  fail_write(op, ClientOutcome::kInsufficientStorage, std::move(why));
}

// A stamped write that failed may still take effect: every replica that did not
// acknowledge it gets a hint.
void Node::store_hints(const PendingWrite& write, uint64_t now_ms) {
  for (const NodeId& replica : write.replicas) {
    if (!write.acked.count(replica)) hinted_handoff_.store(replica, write.key, write.entry, now_ms);
  }
}

void Node::maybe_finish_write(uint64_t op) {
  auto it = writes_.find(op);
  if (it == writes_.end() || it->second.querying) return;
  PendingWrite& write = it->second;
  if (!write.replied && quorum_of(write.sets, write.acked, write.ack_count, write.required)) {
    write.replied = true;
    metrics_.writes_ok++;
    reply(write.request_id,
          ClientResponse{
              ClientOutcome::kOk, write.entry.version, {}, write.ack_count, write.required, {}});
  }
  if (write.acked.size() == write.replicas.size()) writes_.erase(it);
}

// Injected bug restamp-on-retry: the pre-ABD retry. A superseded write is stamped again
// above the newer version and sent under a new op, while the replicas that applied the
// first stamp keep it: one value at two versions, and a write that a reader ordered
// after it can be overwritten by it.
void Node::restamp(uint64_t op, const Version& newer) {
  auto node = writes_.extract(op);
  PendingWrite& write = node.mapped();
  observe(newer.counter);
  std::optional<uint64_t> counter = stamp_counter();
  if (!counter) return;
  write.restamps++;
  write.acked.clear();
  write.ack_count = 0;
  write.entry.version = Version{*counter, self_.id};
  node.key() = new_op();
  for (const NodeId& replica : write.replicas) {
    send(replica, ReplicaWrite{node.key(), write.key, write.entry, /*fresh=*/true});
  }
  writes_.insert(std::move(node));
}

void Node::fail_write(uint64_t op, ClientOutcome outcome, std::string error) {
  auto it = writes_.find(op);
  RINGKV_ASSERT(it != writes_.end());
  PendingWrite& write = it->second;
  if (!write.replied) {
    metrics_.writes_failed++;
    reply(write.request_id,
          ClientResponse{
              outcome, write.entry.version, {}, write.ack_count, write.required, std::move(error)});
  }
  writes_.erase(it);
}

void Node::expire_writes(uint64_t now_ms) {
  for (auto it = writes_.begin(); it != writes_.end();) {
    PendingWrite& write = it->second;
    if (write.querying && write.hedge_at_ms <= now_ms) hedge_version_query(it->first);
    if (write.deadline_ms > now_ms) {
      ++it;
      continue;
    }
    if (write.querying) {
      // Nothing was stamped or sent: the write did not take effect anywhere.
      const uint32_t needed = (config_.replication_factor + 1) / 2;
      metrics_.writes_failed++;
      reply(write.request_id,
            ClientResponse{ClientOutcome::kQuorumFailed,
                           {},
                           {},
                           0,
                           write.required,
                           "version query answered by " + std::to_string(write.queried.size()) +
                               " of the " + std::to_string(needed) +
                               " replicas needed before the deadline"});
      it = writes_.erase(it);
      continue;
    }
    if (!write.replied) {
      // The version goes with the failure: the write may still take effect, at it.
      metrics_.writes_failed++;
      std::string why = "write quorum not reached before the deadline";
      const bool own_replica = std::find(write.replicas.begin(), write.replicas.end(),
                                         self_.id) != write.replicas.end();
      if (own_replica && !write.acked.count(self_.id) && disk_full_) {
        why += "; the disk of " + self_.id + " is full: its replica refused the write";
      }
      reply(write.request_id, ClientResponse{ClientOutcome::kQuorumFailed,
                                             write.entry.version,
                                             {},
                                             write.ack_count,
                                             write.required,
                                             why});
    }
    store_hints(write, now_ms);
    it = writes_.erase(it);
  }
}

}  // namespace ringkv
