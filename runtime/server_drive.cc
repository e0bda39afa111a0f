// Server as the NodeDriver's host (core/driver/node_driver.h decides the order of sends,
// syncs and replies; the simulator runs the same driver). Once per loop iteration, in a
// prepare handle (after the timers and I/O callbacks of the previous poll, right before
// the next poll, whose timeout then already sees the tick timer), drive() runs the driver:
// it hands over messages and replies (written once per connection at flush()), starts the
// detached sync of --sync always on libuv's thread pool, or commits in place for --sync
// batch/never, steps compactions, and says when to wake up.
#include <malloc.h>

#include <unordered_map>

#include "core/assert.h"
#include "core/wire/json_writer.h"
#include "runtime/server.h"

namespace ringkv::runtime {

void Server::on_prepare(uv_prepare_t* handle) { static_cast<Server*>(handle->data)->drive(); }

void Server::on_tick_timer(uv_timer_t* timer) {
  auto* self = static_cast<Server*>(timer->data);
  self->node_->on_tick(uv_now(&self->loop_));
  // drive() runs in the prepare phase of this same iteration.
}

void Server::drive() {
  if (finished_) return;
  const uint64_t now_ms = uv_now(&loop_);
  after_driving(driver_->drive(now_ms), now_ms);
}

void Server::after_driving(uint64_t wake_ms, uint64_t now_ms) {
  events_->observe(now_ms);
  if (const uint64_t changes = storage_->lsm().table_changes();
      changes != trimmed_at_table_changes_) {
    // A flush frees a whole memtable and a compaction its merge buffers and the filters and
    // indexes of its inputs: hand the freed pages back, so that the resident set follows
    // what the node holds rather than its high-water mark (docs/benchmarks.md, node memory).
    trimmed_at_table_changes_ = changes;
    ::malloc_trim(0);
  }
  if (node_->disk_full() != logged_disk_full_) {
    logged_disk_full_ = node_->disk_full();
    if (logged_disk_full_) {
      logger_.error("the disk of " + options_.data_dir + " is full: writes to this replica fail "
                    "(nothing written, nothing acknowledged) until space returns; reads go on");
    } else {
      logger_.info("disk space is back: writes to this replica succeed again");
    }
  }
  if (driver_->commit_failures() != metrics_.transport().commit_failures) {
    metrics_.transport().commit_failures = driver_->commit_failures();
    logger_.error("commit failed, answers dropped: " +
                  driver_->last_commit_failure().to_string());
  }
  if (driver_->compaction_failures() != metrics_.transport().compaction_failures) {
    metrics_.transport().compaction_failures = driver_->compaction_failures();
    logger_.warn("a compaction step failed; retrying after a backoff (up to " +
                 std::to_string(NodeDriver::kMaxCompactionBackoffMs) + " ms)");
  }
  if (!driver_->fatal_error().ok()) {
    stop_on_store_failure();
    return;
  }
  for (const auto& [key, version] : node_->take_purges()) {
    logger_.debug("purged the tombstone of key " + wire::json_quote(key.substr(0, 64)) +
                  " at " + version.to_string() + " (every replica holds it, grace over)");
  }
  uv_timer_start(&tick_timer_, on_tick_timer, wake_ms > now_ms ? wake_ms - now_ms : 0, 0);
  if (!shutting_down_ && node_->ring_keeper().left()) {
    // Decommissioned: the cluster no longer needs anything from this node (exit 0).
    shut_down("this node left the cluster at ring epoch " +
              std::to_string(node_->ring_config().epoch()) + " (decommission complete)");
  }
  if (!shutting_down_ && node_->ring_keeper().self_state() == MemberState::kRemoved) {
    logger_.error("this node was removed from the cluster at ring epoch " +
                  std::to_string(node_->ring_config().epoch()) +
                  " (kvctl removenode ran while it was cut off or still running): it is no "
                  "longer a member and its data is not the cluster's; start it on an empty "
                  "data directory to join again");
    exit_code_ = kExitRemoved;
    shut_down("removed from the cluster");
  }
  if (shutting_down_ && pending_.empty()) finish();
}

// One behaviour in kvnode and the simulator: a node whose store failed for good stops, and
// a restart recovers from the disk.
void Server::stop_on_store_failure() {
  logger_.error("store failed, stopping (a restart recovers from the disk): " +
                driver_->fatal_error().to_string());
  fail_pending_clients("node stopped: its store failed");
  finish();
  exit_code_ = kExitStoreFailed;
}

void Server::send(Envelope envelope) { outgoing_.push_back(std::move(envelope)); }

void Server::reply(Reply reply) { deliver_reply(reply); }

void Server::flush() {
  if (!outgoing_.empty()) {
    // Addresses come from the membership table, so the transport follows gossip.
    std::unordered_map<NodeId, std::string> addresses;
    for (const MemberRow& row : node_->membership().rows()) addresses[row.node_id] = row.address;
    for (const Envelope& envelope : outgoing_) {
      auto found = addresses.find(envelope.to);
      if (found == addresses.end() || found->second.empty()) {
        metrics_.transport().peer_unknown_drops++;
        continue;
      }
      peers_->send(envelope.to, found->second, envelope.message);
    }
    outgoing_.clear();
    peers_->flush();
  }
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

void Server::start_sync(std::function<Status()> run) {
  RINGKV_ASSERT(!sync_.running);
  sync_.running = true;
  sync_.run = std::move(run);
  sync_.request.data = this;
  int queued = uv_queue_work(&loop_, &sync_.request, on_sync_work, on_sync_done);
  RINGKV_ASSERT(queued == 0);  // uv_queue_work fails only for a null work callback
}

void Server::on_sync_work(uv_work_t* request) {
  auto* self = static_cast<Server*>(request->data);
  self->sync_.result = self->sync_.run();  // only this thread touches sync_ meanwhile
}

void Server::on_sync_done(uv_work_t* request, int) {
  auto* self = static_cast<Server*>(request->data);
  self->sync_.running = false;
  self->sync_.run = nullptr;
  if (self->finished_) return;
  const uint64_t now_ms = uv_now(&self->loop_);
  self->driver_->sync_finished(self->sync_.result, now_ms);
  self->after_driving(self->driver_->drive(now_ms), now_ms);
  // The next sync starts in the prepare phase of this loop iteration (drive()).
}

void Server::start_compaction(size_t store, std::function<Status()> run) {
  RINGKV_ASSERT(store < 2 && !compactions_[store].running);
  BackgroundCompaction& compaction = compactions_[store];
  compaction.running = true;
  compaction.server = this;
  compaction.store = store;
  compaction.run = std::move(run);
  compaction.request.data = &compaction;
  int queued = uv_queue_work(&loop_, &compaction.request, on_compaction_work, on_compaction_done);
  RINGKV_ASSERT(queued == 0);  // uv_queue_work fails only for a null work callback
}

void Server::on_compaction_work(uv_work_t* request) {
  auto* compaction = static_cast<BackgroundCompaction*>(request->data);
  compaction->result = compaction->run();  // only this thread touches it meanwhile
}

void Server::on_compaction_done(uv_work_t* request, int) {
  auto* compaction = static_cast<BackgroundCompaction*>(request->data);
  Server* self = compaction->server;
  compaction->running = false;
  compaction->run = nullptr;
  if (self->finished_) return;
  const uint64_t now_ms = uv_now(&self->loop_);
  self->driver_->compaction_finished(compaction->store, compaction->result, now_ms);
  self->after_driving(self->driver_->drive(now_ms), now_ms);
}

}  // namespace ringkv::runtime
