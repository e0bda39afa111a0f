// LsmStore: the durable ReplicaStore. A WAL (group-committed by sync()), a sorted memtable
// flushed to immutable SSTables, a manifest switched atomically, and size-tiered compaction
// run in bounded steps by the driver (compact_step from its ticks). Files only through the
// injected Env; single-threaded; never calls out otherwise. Formats: docs/storage.md.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/replica_store.h"
#include "core/storage/block_cache.h"
#include "core/storage/compaction.h"
#include "core/storage/env.h"
#include "core/storage/manifest.h"
#include "core/storage/memtable.h"
#include "core/storage/storage_format.h"
#include "core/storage/wal_writer.h"

namespace ringkv {

struct LsmOptions {
  uint64_t memtable_max_bytes = 4ull << 20;  // flush once the memtable holds this much
  // WAL records are framed into a buffer of this many bytes (at most a quarter of
  // memtable_max_bytes) and written to the file when it fills and at every sync (one write
  // for many records; see WalWriter). 0 writes each record through. At most
  // kMaxWalBufferBytes.
  uint64_t wal_buffer_bytes = kDefaultWalBufferBytes;
  static constexpr uint64_t kDefaultWalBufferBytes = 64 << 10;
  static constexpr uint64_t kMaxWalBufferBytes = 16 << 20;
  // Open a store whose WAL is damaged in the middle by keeping what precedes the damage
  // (reported in recovery_report()). Without it, such a store refuses to open.
  bool repair = false;
  TombstonePurgeRule tombstone_purgeable;  // empty: tombstones are never dropped
  CompactionPolicy compaction;
  size_t bloom_bits_per_key = storage_format::kDefaultBloomBitsPerKey;
  // Checked, decoded data blocks, index chunks and filter pages kept in memory (LRU); 0
  // turns the cache off (and keeps every table's whole index and filter in memory).
  uint64_t block_cache_bytes = kDefaultBlockCacheBytes;
  static constexpr uint64_t kDefaultBlockCacheBytes = 8ull << 20;
};

// What open() found and did; the caller logs it.
struct RecoveryReport {
  uint64_t wal_segments_replayed = 0;
  uint64_t wal_records_replayed = 0;
  uint64_t torn_bytes_truncated = 0;   // torn tails cut off (unsynced writes lost in a crash)
  uint64_t corrupt_bytes_dropped = 0;  // only with repair: damaged log dropped
  uint64_t orphan_files_removed = 0;   // leftovers of interrupted flushes/compactions
  std::vector<std::string> events;     // one line per notable thing, e.g. a torn tail
};

struct LsmStats {
  uint64_t table_count = 0;
  uint64_t table_bytes = 0;
  uint64_t memtable_bytes = 0;
  uint64_t wal_bytes = 0;
  uint64_t flushes = 0;
  uint64_t compactions = 0;
  uint64_t compacted_entries = 0;
  uint64_t tombstones_dropped = 0;
  uint64_t wal_syncs = 0;
  uint64_t background_errors = 0;  // flushes after apply that failed (retried later)
  uint64_t block_cache_bytes = 0;  // held now
  uint64_t block_cache_metadata_bytes = 0;  // of which index chunks and filter pages
  uint64_t block_cache_hits = 0;
  uint64_t block_cache_misses = 0;
  uint64_t block_cache_not_admitted = 0;  // data blocks read once and not kept
  uint64_t table_memory_bytes = 0;  // held by open tables outside the cache (summaries)
};

class LsmStore final : public ReplicaStore {
 public:
  // Writes are refused (with the flush error) once the memtable reaches this many times
  // memtable_max_bytes because flushes keep failing.
  static constexpr uint64_t kMemtableHardLimitFactor = 2;

  // Opens (creating if needed) the store in `dir`, recovering from the manifest and WAL.
  static Result<std::unique_ptr<LsmStore>> open(Env& env, std::string dir, LsmOptions options);
  ~LsmStore() override;

  Result<ApplyResult> apply(std::string_view key, const Entry& entry) override;
  Result<std::optional<Entry>> get(std::string_view key) override;
  // The visitor must not modify the store.
  Status scan(std::string_view start_key, const Visitor& visit) override;
  Status sync() override;
  // Writes the WAL's buffered records to its file without syncing them: they then survive
  // a crash of the process, not of the machine (kvnode's --sync never, at each commit).
  Status write_out_wal();

  // Group commit off the store's thread (kvnode): begin_sync() captures what a sync must
  // cover — every apply so far — and returns a job that may run on any thread while
  // applies go on; finish_sync() records its result back on the store's thread (a failure
  // is fatal, like a failed sync()). A job without `run` needs nothing more: nothing was
  // unsynced, or the Env cannot sync detached and begin_sync() synced in place.
  struct SyncJob {
    std::function<Status()> run;
    uint64_t wal_number = 0;
    uint64_t covers_bytes = 0;
  };
  Result<SyncJob> begin_sync();
  Status finish_sync(const SyncJob& job, const Status& result);

  Status purge(std::string_view key, const Version& version) override;

  // Writes the memtable to a new SSTable now (no-op when empty).
  Status flush();
  bool compaction_pending() const;
  // Advances the current compaction by at most max_entries keys (starting one if pending).
  // A compaction that runs detached (below) is left alone.
  Status compact_step(size_t max_entries);
  // Compaction off the store's thread (kvnode, the simulator): begin_compaction() starts
  // the pending merge (or takes over the one under way in steps) and returns a job that
  // merges and syncs the output on any thread. The job reads its input tables without the
  // cache and writes only its own new file, so applies, reads and flushes go on meanwhile
  // (a tombstone purge rule, if set, is called on the job's thread). Then
  // finish_compaction(), on the store's thread, installs the output (manifest switch) or,
  // after a failed run, abandons it (a checksum failure is judged as by compact_step()).
  // One compaction at a time: while one runs, begin_compaction() returns no job.
  struct CompactionRun {
    std::function<Status()> run;  // empty: nothing to compact, or one runs already
  };
  Result<CompactionRun> begin_compaction();
  Status finish_compaction(const Status& result);
  bool compaction_running_detached() const;
  // Asks a detached job to stop at its next step (it then fails with unavailable), and
  // every later one at once: for a host that is closing the store and need not wait for a
  // long merge. Also done by the destructor.
  void cancel_detached_compaction();
  static constexpr size_t kDetachedStepEntries = 4096;  // merged between cancellation checks
  // The next compaction merges every table, so purgeable tombstones can be dropped.
  void request_full_compaction() { full_compaction_requested_ = true; }

  const RecoveryReport& recovery_report() const { return report_; }
  LsmStats stats() const;
  // Counts every change of what get() and scan() may return (applies, purges, manifest
  // installs by flushes and compactions). A checker that saw the store at one count need
  // not look again until it moves.
  uint64_t state_changes() const { return state_changes_; }
  // Counts changes of the table set (flushes, compactions): between two equal counts,
  // only applies and purges changed what get() returns, and only for their keys.
  uint64_t table_changes() const { return table_changes_; }
  // ok, or the error that made the store refuse writes until it is reopened.
  const Status& fatal_error() const { return fatal_error_; }

  // Damage at rest (docs/lost-data.md): a table data block whose checksum fails on
  // kDamageReads reads in a row (a transient flip on the way from the disk does not
  // repeat). The store then turns fatal and leaves a DAMAGED file that names the block, so
  // that open_or_discard_damaged() sets the damaged files aside at the next open: older
  // versions in lower tables must never be served in place of what the block held, and
  // the node rebuilds everything from its replicas instead.
  static constexpr int kDamageReads = 5;
  static constexpr std::string_view kDamagedFileName = "DAMAGED";
  const Status& damage() const { return damage_; }
  // open(), except that a store whose last life found damage is first moved aside, every
  // file to `dir`.damaged (replacing an older one), and opened blank; `discarded` gets
  // the damage report then (empty otherwise). So is a store that open() finds corrupt on
  // kDamageReads opens in a row (damage met by recovery: mid-WAL, a table's index, the
  // MANIFEST).
  static Result<std::unique_ptr<LsmStore>> open_or_discard_damaged(Env& env, std::string dir,
                                                                   LsmOptions options,
                                                                   std::string* discarded);
  static Status set_aside_if_damaged(Env& env, const std::string& dir, std::string* discarded);
  // Each live table's path and the end of its data blocks (the simulator damages them).
  std::vector<std::pair<std::string, uint64_t>> table_data_extents() const;

 private:
  struct ActiveCompaction;

  LsmStore(Env& env, std::string dir, LsmOptions options);
  TableReadOptions table_options(uint64_t table_number) const;
  uint64_t state_changes_ = 0;
  uint64_t table_changes_ = 0;
  Status recover();
  Status load_or_create_manifest(const std::vector<std::string>& names);
  Status remove_orphans(const std::vector<std::string>& names);
  Status replay_wal_segment(uint64_t number);
  // `key_hash` is hash64(key), computed once per operation (memtable, bloom filters).
  Result<std::optional<StoredRecord>> lookup(std::string_view key, uint64_t key_hash);
  Status write_record(std::string_view key, uint64_t key_hash, const StoredRecord& record);
  Status make_room();
  // Returns `wal_error`, after making the store fatal if it left the WAL poisoned.
  Status poison_if_unusable(const Status& wal_error);
  Result<std::shared_ptr<SstableReader>> write_memtable_table(uint64_t number);
  Status install_manifest(const ManifestState& next);
  Status start_compaction();
  Status install_compaction();
  void abandon_compaction();
  void remove_quietly(const std::string& name);
  // `error` came from reading `suspects`: a checksum failure that re-reads confirm is
  // recorded as damage (fatal, DAMAGED file) and returned; anything else is returned as is.
  Status confirm_damage(const Status& error,
                        const std::vector<std::shared_ptr<SstableReader>>& suspects);

  Env& env_;
  std::string dir_;
  LsmOptions options_;
  ManifestState manifest_;
  std::unique_ptr<BlockCache> cache_;  // null when options_.block_cache_bytes is 0
  std::vector<std::shared_ptr<SstableReader>> tables_;  // parallel to manifest_.table_numbers
  Memtable memtable_;
  std::string record_scratch_;  // write_record()'s encoding, reused
  size_t wal_buffer_bytes_ = 0;  // options_.wal_buffer_bytes, scaled to the memtable
  std::unique_ptr<WalWriter> wal_;
  std::vector<uint64_t> wal_numbers_;  // live segments, ascending; the last one is wal_
  std::unique_ptr<ActiveCompaction> compaction_;
  // Shared with every detached job this store started; set to stop them.
  std::shared_ptr<std::atomic<bool>> compaction_cancelled_ =
      std::make_shared<std::atomic<bool>>(false);
  bool full_compaction_requested_ = false;
  RecoveryReport report_;
  LsmStats counters_;
  Status fatal_error_;
  Status damage_;
};

}  // namespace ringkv
