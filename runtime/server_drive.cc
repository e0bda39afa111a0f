// Server: driving the Node once per loop iteration (node.h):
//   1. send take_messages() to peers and answer take_replies(): fresh requests and finished
//      client requests, none of which waits for this node's sync;
//   2. commit(now) (one store sync for the batch; with --sync batch at most every few ms),
//      then send and answer again what the sync released;
//   3. arm the tick timer.
// Responses are written once per connection per iteration (Connection::flush_ready). It
// runs in a prepare handle: after the timers and I/O callbacks of the previous poll (the
// batch) and right before the next poll, whose timeout then already sees the tick timer.
#include <unordered_map>

#include "core/assert.h"
#include "runtime/server.h"

namespace ringkv::runtime {

void Server::on_prepare(uv_prepare_t* handle) { static_cast<Server*>(handle->data)->drive(); }

void Server::on_tick_timer(uv_timer_t* timer) {
  auto* self = static_cast<Server*>(timer->data);
  self->node_->on_tick(uv_now(&self->loop_));
  // drive() runs in the prepare phase of this same iteration.
}

void Server::on_batch_timer(uv_timer_t*) {
  // Only wakes the loop: drive() commits in the prepare phase that follows.
}

bool Server::commit_due(uint64_t now_ms) {
  if (options_.sync != SyncPolicy::kBatch) return true;
  uint64_t due_ms = last_commit_ms_ + options_.sync_batch_interval_ms;
  if (now_ms >= due_ms) return true;
  if (!uv_is_active(reinterpret_cast<uv_handle_t*>(&batch_timer_))) {
    uv_timer_start(&batch_timer_, on_batch_timer, due_ms - now_ms, 0);
  }
  return false;
}

void Server::drive() {
  if (finished_) return;
  uint64_t now_ms = uv_now(&loop_);
  // Before the sync: fresh requests to peers (replica writes, reads, gossip) and answers
  // to clients whose quorum is complete. Nothing here waits for this node's sync (held
  // replica answers are not released yet), and peers work while our fsync runs.
  send_and_answer();
  if (options_.sync == SyncPolicy::kAlways) {
    start_background_sync(now_ms);
  } else if (node_->has_uncommitted() && commit_due(now_ms)) {
    commit_in_place(now_ms);
  }
  compaction_step();
  arm_tick_timer(now_ms);
  if (shutting_down_ && pending_.empty()) finish();
}

void Server::commit_in_place(uint64_t now_ms) {
  last_commit_ms_ = now_ms;
  report_commit(node_->commit(now_ms));
  send_and_answer();  // what the sync released
}

void Server::report_commit(const Status& committed) {
  if (committed.ok()) return;
  metrics_.transport().commit_failures++;
  logger_.error("commit failed, answers dropped: " + committed.to_string());
}

// Seals the answers held so far and syncs what they cover on the thread pool, unless a
// sync is already running (its completion wakes the loop, and the next drive() starts the
// next one, covering everything applied meanwhile: pipelined group commit).
void Server::start_background_sync(uint64_t now_ms) {
  if (sync_.running || !node_->has_uncommitted()) return;
  Result<uint64_t> batch = node_->seal_commit(now_ms);
  if (!batch.ok()) {
    metrics_.transport().commit_failures++;
    logger_.error("hint store sync failed: " + batch.status().to_string());
    return;
  }
  if (*batch == 0) return;
  Result<LsmStore::SyncJob> job = storage_->lsm().begin_sync();
  if (!job.ok() || !job->run) {
    // A store error, or nothing left to sync (or synced in place): finish right away.
    Status result = job.ok() ? Status() : job.status();
    report_commit(result);
    node_->finish_commit(*batch, result, now_ms);
    send_and_answer();
    return;
  }
  sync_.running = true;
  sync_.batch = *batch;
  sync_.job = std::move(*job);
  sync_.request.data = this;
  int queued = uv_queue_work(&loop_, &sync_.request, on_sync_work, on_sync_done);
  RINGKV_ASSERT(queued == 0);  // uv_queue_work fails only for a null work callback
}

void Server::on_sync_work(uv_work_t* request) {
  auto* self = static_cast<Server*>(request->data);
  self->sync_.result = self->sync_.job.run();  // only this thread touches sync_ meanwhile
}

void Server::on_sync_done(uv_work_t* request, int) {
  auto* self = static_cast<Server*>(request->data);
  BackgroundSync& sync = self->sync_;
  sync.running = false;
  Status result = self->storage_->lsm().finish_sync(sync.job, sync.result);
  sync.job = LsmStore::SyncJob{};
  self->report_commit(result);
  uint64_t now_ms = uv_now(&self->loop_);
  self->node_->finish_commit(sync.batch, result, now_ms);
  self->send_and_answer();
  // The next sync starts in the prepare phase of this loop iteration (drive()).
}

void Server::send_and_answer() {
  send_messages();
  for (const Reply& reply : node_->take_replies()) deliver_reply(reply);
  flush_ready_connections();
}

// Responses completed since the last call (client answers, internal 204s, errors): one
// write per connection.
void Server::flush_ready_connections() {
  std::vector<uint64_t> ready;
  ready.swap(flush_ready_);
  for (uint64_t id : ready) {
    if (Connection* connection = find_connection(id)) connection->flush_ready();
  }
}

void Server::send_messages() {
  std::vector<Envelope> envelopes = node_->take_messages();
  if (envelopes.empty()) return;
  // Addresses come from the membership table, so the transport follows gossip.
  std::unordered_map<NodeId, std::string> addresses;
  for (const MemberRow& row : node_->membership().rows()) addresses[row.node_id] = row.address;
  for (const Envelope& envelope : envelopes) {
    auto found = addresses.find(envelope.to);
    if (found == addresses.end() || found->second.empty()) {
      metrics_.transport().peer_unknown_drops++;
      continue;
    }
    peers_->send(envelope.to, found->second, envelope.message);
  }
  peers_->flush();
}

void Server::compaction_step() {
  for (LsmStore* store : {&storage_->lsm(), &storage_->hint_lsm()}) {
    if (!store->compaction_pending()) continue;
    Status stepped = store->compact_step(kCompactionStepEntries);
    if (!stepped.ok()) logger_.error("compaction step failed: " + stepped.to_string());
  }
}

void Server::arm_tick_timer(uint64_t now_ms) {
  uint64_t next_ms = node_->next_tick_ms();
  uint64_t delay_ms = next_ms > now_ms ? next_ms - now_ms : 0;
  // While a compaction runs, wake up every millisecond to advance it one bounded step.
  bool compacting =
      storage_->lsm().compaction_pending() || storage_->hint_lsm().compaction_pending();
  if (compacting) delay_ms = std::min<uint64_t>(delay_ms, 1);
  uv_timer_start(&tick_timer_, on_tick_timer, delay_ms, 0);
}

}  // namespace ringkv::runtime
