#include "core/driver/node_driver.h"

#include <algorithm>

namespace ringkv {

const char* sync_policy_name(SyncPolicy policy) {
  switch (policy) {
    case SyncPolicy::kAlways:
      return "always";
    case SyncPolicy::kBatch:
      return "batch";
    case SyncPolicy::kNever:
      return "never";
  }
  return "?";
}

NodeDriver::NodeDriver(Node& node, LsmStore& data, LsmStore& hints, DriverHost& host,
                       DriverOptions options)
    : node_(node), data_(data), hints_(hints), host_(host), options_(options) {}

uint64_t NodeDriver::drive(uint64_t now_ms) {
  hand_over();
  if (options_.sync == SyncPolicy::kAlways) {
    sync_detached(now_ms);
  } else if (node_.has_uncommitted() && commit_due(now_ms)) {
    commit_in_place(now_ms);
  }
  compaction_step(now_ms);
  uint64_t wake_ms = node_.next_tick_ms();
  for (size_t i = 0; i < kStores; ++i) {
    if (compaction_running_[i] || !store(i).compaction_pending()) continue;
    // One bounded step per millisecond; after a failed step, the next try waits.
    wake_ms = std::min(wake_ms, std::max(now_ms + 1, compaction_retry_[i].not_before_ms));
  }
  if (options_.sync == SyncPolicy::kBatch && node_.has_uncommitted()) {
    wake_ms = std::min(wake_ms, last_commit_ms_ + options_.sync_batch_interval_ms);
  }
  return std::max(wake_ms, now_ms);
}

void NodeDriver::hand_over() {
  for (Envelope& envelope : node_.take_messages()) host_.send(std::move(envelope));
  for (Reply& reply : node_.take_replies()) host_.reply(std::move(reply));
  host_.flush();
}

// Seals the answers held so far and hands their sync to the host, unless a sync is
// running (its completion drives the next one, covering everything applied meanwhile:
// pipelined group commit).
void NodeDriver::sync_detached(uint64_t now_ms) {
  if (sync_running_ || !node_.has_uncommitted()) return;
  Result<uint64_t> batch = node_.seal_commit(now_ms);
  if (!batch.ok()) {
    record(batch.status());  // the hint store's sync failed
    return;
  }
  if (*batch == 0) return;
  Result<LsmStore::SyncJob> job = data_.begin_sync();
  if (!job.ok() || !job->run) {
    // A store error, or nothing left to sync (or synced in place): finish right away.
    Status result = job.ok() ? Status() : job.status();
    record(result);
    node_.finish_commit(*batch, result, now_ms);
    hand_over();
    return;
  }
  sync_running_ = true;
  sync_batch_ = *batch;
  std::function<Status()> run = std::move(job->run);
  sync_job_ = std::move(*job);
  host_.start_sync(std::move(run));
}

void NodeDriver::sync_finished(const Status& result, uint64_t now_ms) {
  RINGKV_ASSERT_MSG(sync_running_, "sync_finished without a running sync");
  sync_running_ = false;
  const Status finished = data_.finish_sync(sync_job_, result);  // a failure is fatal
  record(finished);
  node_.finish_commit(sync_batch_, finished, now_ms);
  hand_over();
}

bool NodeDriver::commit_due(uint64_t now_ms) const {
  return options_.sync != SyncPolicy::kBatch ||
         now_ms >= last_commit_ms_ + options_.sync_batch_interval_ms;
}

void NodeDriver::commit_in_place(uint64_t now_ms) {
  last_commit_ms_ = now_ms;
  record(node_.commit(now_ms));
  hand_over();  // what the sync released
}

void NodeDriver::record(const Status& committed) {
  if (committed.ok()) return;
  commit_failures_++;
  last_commit_failure_ = committed;
}

// A failed step or job (a full disk, an I/O error) abandons the compaction, which starts
// over later: retried with a backoff (kMinCompactionBackoffMs doubling up to
// kMaxCompactionBackoffMs), not every millisecond. Fatal errors surface through
// fatal_error().
void NodeDriver::compaction_step(uint64_t now_ms) {
  for (size_t i = 0; i < kStores; ++i) {
    if (compaction_running_[i]) continue;
    if (!store(i).compaction_pending() || now_ms < compaction_retry_[i].not_before_ms) continue;
    if (options_.detached_compaction) {
      start_detached_compaction(i, now_ms);
      continue;
    }
    record_compaction(i, store(i).compact_step(options_.compaction_step_entries).ok(), now_ms);
  }
}

void NodeDriver::start_detached_compaction(size_t i, uint64_t now_ms) {
  Result<LsmStore::CompactionRun> job = store(i).begin_compaction();
  if (!job.ok()) {
    record_compaction(i, false, now_ms);
    return;
  }
  if (!job->run) return;  // nothing to merge after all
  compaction_running_[i] = true;
  host_.start_compaction(i, std::move(job->run));
}

void NodeDriver::compaction_finished(size_t store_index, const Status& result, uint64_t now_ms) {
  RINGKV_ASSERT(store_index < kStores);
  RINGKV_ASSERT_MSG(compaction_running_[store_index], "compaction_finished without a job");
  compaction_running_[store_index] = false;
  record_compaction(store_index, store(store_index).finish_compaction(result).ok(), now_ms);
}

void NodeDriver::record_compaction(size_t i, bool succeeded, uint64_t now_ms) {
  CompactionRetry& retry = compaction_retry_[i];
  if (succeeded) {
    retry.backoff_ms = 0;
    return;
  }
  compaction_failures_++;
  retry.backoff_ms =
      std::clamp(retry.backoff_ms * 2, kMinCompactionBackoffMs, kMaxCompactionBackoffMs);
  retry.not_before_ms = now_ms + retry.backoff_ms;
}

Status NodeDriver::fatal_error() const {
  if (!data_.fatal_error().ok()) return data_.fatal_error();
  return hints_.fatal_error();
}

}  // namespace ringkv
