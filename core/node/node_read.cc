// Coordinator side of the read path: ask the replicas, pick the highest version after R
// answers, repair the stale answerers, and answer once enough replicas hold the winner
// that any later quorum read must see it (monotonic quorum reads).
#include "core/node/node.h"

namespace ringkv {

void Node::start_read(uint64_t request_id, const ClientRequest& request, uint64_t now_ms) {
  PendingRead read;
  read.request_id = request_id;
  read.key = request.key;
  read.replicas = ring_.preference_list(request.key, config_.replication_factor);
  read.required = request.read_quorum.value_or(config_.read_quorum);
  read.deadline_ms = deadline_for(request, now_ms);
  if (read.replicas.size() < read.required) {
    metrics_.reads_failed++;
    reply(request_id, ClientResponse{ClientOutcome::kQuorumFailed, {}, {}, 0, read.required,
                                     "the cluster knows only " +
                                         std::to_string(read.replicas.size()) + " nodes"});
    return;
  }
  // Any later read of `required` replicas overlaps a set of this size.
  read.holders_needed = read.replicas.size() - read.required + 1;
  uint64_t op = new_op();
  for (const NodeId& replica : read.replicas) send(replica, ReplicaRead{op, read.key});
  reads_.emplace(op, std::move(read));
}

void Node::handle_read_reply(const NodeId& from, const ReplicaReadReply& answer) {
  auto it = reads_.find(answer.op);
  if (it == reads_.end() || !answer.ok) return;
  PendingRead& read = it->second;
  if (std::find(read.replicas.begin(), read.replicas.end(), from) == read.replicas.end()) return;
  if (!read.answers.emplace(from, answer.entry).second) return;  // duplicate answer
  if (!read.repairing) {
    if (read.answers.size() >= read.required) decide_read(answer.op);
    return;
  }
  // A late answer while repairing: count it, or repair it too.
  if (answer.entry && answer.entry->version >= read.winner.version) {
    read.holders.insert(from);
    if (read.holders.size() >= read.holders_needed) finish_read(answer.op);
  } else {
    metrics_.read_repairs_sent++;
    send(from, ReplicaWrite{answer.op, read.key, read.winner, /*fresh=*/false});
  }
}

void Node::decide_read(uint64_t op) {
  PendingRead& read = reads_.at(op);
  std::optional<Entry> winner;
  for (const auto& [node, entry] : read.answers) winner = lww_merge(winner, entry);
  if (!winner) {
    metrics_.reads_not_found++;
    reply(read.request_id, ClientResponse{ClientOutcome::kNotFound, {}, {},
                                          static_cast<uint32_t>(read.answers.size()),
                                          read.required, {}});
    reads_.erase(op);
    return;
  }
  read.winner = *winner;
  read.repairing = true;
  for (const auto& [node, entry] : read.answers) {
    if (entry && entry->version >= winner->version) {
      read.holders.insert(node);
    } else if (!bug(InjectedBug::kSkipReadRepair)) {
      metrics_.read_repairs_sent++;
      send(node, ReplicaWrite{op, read.key, *winner, /*fresh=*/false});
    }
  }
  if (read.holders.size() >= read.holders_needed || bug(InjectedBug::kSkipReadRepair)) {
    finish_read(op);
  }
}

void Node::handle_repair_ack(const NodeId& from, const ReplicaWriteAck& ack) {
  auto it = reads_.find(ack.op);
  if (it == reads_.end() || !it->second.repairing || !ack.accepted) return;
  PendingRead& read = it->second;
  if (std::find(read.replicas.begin(), read.replicas.end(), from) == read.replicas.end()) return;
  read.holders.insert(from);
  if (read.holders.size() >= read.holders_needed) finish_read(ack.op);
}

void Node::finish_read(uint64_t op) {
  PendingRead& read = reads_.at(op);
  const Entry& winner = read.winner;
  ClientResponse response;
  response.version = winner.version;
  response.acks = static_cast<uint32_t>(read.answers.size());
  response.required = read.required;
  if (winner.tombstone) {
    metrics_.reads_not_found++;
    response.outcome = ClientOutcome::kNotFound;
  } else {
    metrics_.reads_ok++;
    response.outcome = ClientOutcome::kOk;
    response.value = winner.value;
  }
  reply(read.request_id, std::move(response));
  reads_.erase(op);
}

void Node::expire_reads(uint64_t now_ms) {
  for (auto it = reads_.begin(); it != reads_.end();) {
    PendingRead& read = it->second;
    if (read.deadline_ms > now_ms) {
      ++it;
      continue;
    }
    metrics_.reads_failed++;
    reply(read.request_id,
          ClientResponse{ClientOutcome::kQuorumFailed, {}, {},
                         static_cast<uint32_t>(read.answers.size()), read.required,
                         read.repairing ? "read repair did not complete before the deadline"
                                        : "read quorum not reached before the deadline"});
    it = reads_.erase(it);
  }
}

}  // namespace ringkv
