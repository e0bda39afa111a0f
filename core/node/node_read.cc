// Coordinator side of the read path (docs/consistency.md). Ask the N replicas; after R
// answers the winner is the highest version among them.
//   strong (2R >= N): answer once a majority of the replicas is known to hold exactly the
//                     winner (answerers count); until then write it back to every other
//                     replica (ABD's second phase). A late answer or a write-back ack
//                     with a newer entry makes that entry the winner (written back in
//                     turn); an ack naming a newer version without it restarts the read.
//                     Counting a replica that holds something newer as
//                     a holder of an older winner would let a read return a weak write's
//                     value after a newer version had completed (found by kvsim seed 977);
//   weak (2R < N):    answer at once; repair stale answerers in the background.
#include "core/node/node.h"

namespace ringkv {

void Node::start_read(uint64_t request_id, const ClientRequest& request, uint64_t now_ms) {
  PendingRead read;
  read.request_id = request_id;
  read.key = request.key;
  read.replicas = read_set(request.key);  // the old set until reads switch
  read.write_sets = write_sets(request.key);
  read.required = request.read_quorum.value_or(config_.read_quorum);
  read.deadline_ms = deadline_for(request, now_ms);
  read.strong = 2 * read.required >= config_.replication_factor;
  const size_t needed = read.strong ? std::max(read.required, majority()) : read.required;
  if (read.replicas.size() < needed) {
    metrics_.reads_failed++;
    reply(request_id, ClientResponse{ClientOutcome::kQuorumFailed,
                                     {},
                                     {},
                                     0,
                                     read.required,
                                     "the cluster knows only " +
                                         std::to_string(read.replicas.size()) + " nodes"});
    return;
  }
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
  if (!read.writing_back) {
    if (read.answers.size() >= read.required) decide_read(answer.op);
    return;
  }
  // A late answer while writing back: the winner's holder, or a newer winner.
  if (!answer.entry || answer.entry->version < read.winner.version) return;  // sent already
  if (answer.entry->version > read.winner.version) {
    metrics_.read_winner_changes++;
    read.winner = *answer.entry;
    read.holders.clear();
    read.holders.insert(from);
    write_back(answer.op);
    return;
  }
  read.holders.insert(from);
  if (held_by_quorum(read)) finish_read(answer.op);
}

bool Node::held_by_quorum(const PendingRead& read) const {
  return quorum_of(read.write_sets, read.holders, read.holders.size(), majority());
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
  read.writing_back = true;
  read.holders.clear();
  for (const auto& [node, entry] : read.answers) {
    if (entry && entry->version == winner->version) read.holders.insert(node);
  }
  const bool skip_repair = simulation_.injected(InjectedBug::kSkipReadRepair);
  if (read.strong && !skip_repair) {
    write_back(op);
    // Answered by write_back or its acks.
    if (!simulation_.injected(InjectedBug::kSkipWriteBack)) return;
    if (!reads_.count(op)) return;
  }
  if (!read.strong && !skip_repair) {
    for (const auto& [node, entry] : read.answers) {
      if (read.holders.count(node)) continue;
      metrics_.read_repairs_sent++;  // background: the answer does not wait for it
      send(node, ReplicaWrite{op, read.key, *winner, /*fresh=*/false});
    }
  }
  finish_read(op);
}

// ABD's second phase: every replica not known to hold the winner gets it; answers once a
// majority holds it.
void Node::write_back(uint64_t op) {
  PendingRead& read = reads_.at(op);
  if (held_by_quorum(read)) {
    finish_read(op);
    return;
  }
  for (const NodeId& replica : read.write_sets.members()) {  // both while it moves
    if (read.holders.count(replica)) continue;
    metrics_.read_write_backs++;
    send(replica, ReplicaWrite{op, read.key, read.winner, /*fresh=*/false});
  }
}

void Node::handle_write_back_ack(const NodeId& from, const ReplicaWriteAck& ack) {
  auto it = reads_.find(ack.op);
  if (it == reads_.end() || !it->second.writing_back || !ack.accepted) return;
  PendingRead& read = it->second;
  const std::vector<NodeId> targets = read.write_sets.members();
  if (std::find(targets.begin(), targets.end(), from) == targets.end()) return;
  if (ack.current > read.winner.version) {
    if (ack.held && ack.held->version == ack.current) {
      read.winner = *ack.held;  // a newer version exists: it becomes the winner
      read.holders.clear();
      read.holders.insert(from);
      metrics_.read_winner_changes++;
      write_back(ack.op);
    } else {
      restart_read(ack.op);  // newer, without its value (an older peer): read again
    }
    return;
  }
  if (ack.current != read.winner.version) return;  // not a holder (an older peer's ack)
  read.holders.insert(from);
  if (held_by_quorum(read)) finish_read(ack.op);
}

// Reads again under a new op id (answers and acks of the old one are ignored), bounded by
// the request's deadline.
void Node::restart_read(uint64_t op) {
  auto node = reads_.extract(op);
  PendingRead& read = node.mapped();
  metrics_.read_restarts++;
  read.answers.clear();
  read.holders.clear();
  read.writing_back = false;
  node.key() = new_op();
  for (const NodeId& replica : read.replicas) send(replica, ReplicaRead{node.key(), read.key});
  reads_.insert(std::move(node));
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
    std::string error = read.writing_back
                            ? "only " + std::to_string(read.holders.size()) + " of the " +
                                  std::to_string(majority()) +
                                  " replicas needed confirmed the value before the deadline"
                            : "read quorum not reached before the deadline";
    reply(read.request_id, ClientResponse{ClientOutcome::kQuorumFailed,
                                          {},
                                          {},
                                          static_cast<uint32_t>(read.answers.size()),
                                          read.required,
                                          std::move(error)});
    it = reads_.erase(it);
  }
}

}  // namespace ringkv
