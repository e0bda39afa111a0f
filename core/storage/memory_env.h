// MemoryEnv: an in-memory Env with crash semantics and fault injection, for tests and the
// simulator. Deterministic: files live in std::maps, every random choice comes from a Prng.
// Crash model (see docs/storage.md): synced bytes survive; each file's unsynced tail is
// dropped or torn at a random byte (a prefix survives, possibly followed by junk); per
// directory, either every
// directory operation since its last sync_dir survives or none does. Handles opened
// before crash() fail with io_error afterwards.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "core/prng.h"
#include "core/storage/env.h"

namespace ringkv {

struct CrashOptions {
  // true: keep a random prefix (possibly empty, possibly all) of each unsynced tail;
  // false: drop every unsynced byte.
  bool tear_unsynced_tail = true;
  // Chance that a directory keeps its unsynced creates/renames/removes (0: never, 1000:
  // always). Real file systems often persist them early; both outcomes must be survivable.
  uint32_t unsynced_directory_survival_permille = 500;
  // Chance, per torn tail, that the bytes after the kept prefix are not simply gone but
  // replaced by junk (zeros half the time, random bytes otherwise) up to the tail's
  // length: a sector the disk never finished writing. Recovery must treat it as torn.
  uint32_t junk_tail_permille = 0;
};

struct FaultOptions {
  // Each read_at flips one random bit of the bytes it returns (the stored bytes stay intact).
  uint32_t read_bit_flip_permille = 0;
  // Each call (reads and mutations) fails with io_error with this chance.
  uint32_t io_error_permille = 0;
  // Total bytes all files may hold; an append beyond it writes what fits, then no_space.
  std::optional<uint64_t> space_budget_bytes;
  // After this many more successful mutating calls, every mutating call fails with
  // io_error: the process "dies" there (then call crash()); crash_point_hit() names it.
  std::optional<uint64_t> fail_mutations_after;
};

class MemoryEnv final : public Env {
 public:
  explicit MemoryEnv(uint64_t fault_seed = 0);
  ~MemoryEnv() override;

  Result<std::unique_ptr<WritableFile>> create_file(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> open_for_append(const std::string& path) override;
  Result<std::unique_ptr<ReadableFile>> open_for_read(const std::string& path) override;
  Result<std::vector<std::string>> list(const std::string& dir) override;
  Status rename(const std::string& from, const std::string& to) override;
  Status remove(const std::string& path) override;
  Status sync_dir(const std::string& dir) override;
  Status create_dir(const std::string& dir) override;

  // Simulates power loss (see the model above), then clears every fault option.
  void crash(Prng& prng, const CrashOptions& options = CrashOptions());
  void set_faults(const FaultOptions& faults);
  // The disk is lost (replaced blank): every file and directory is gone. Call it with the
  // process down (handles still open see a crash, as after crash()).
  void wipe();
  // Files hand out detached syncs (WritableFile::detached_sync), as POSIX files do; off by
  // default (syncs then happen in place).
  void enable_detached_sync(bool on) { detached_sync_ = on; }
  bool detached_sync_enabled() const { return detached_sync_; }

  // Test helpers: inspect and damage the stored bytes directly.
  bool exists(const std::string& path) const;
  std::optional<std::string> contents(const std::string& path) const;
  // Flips bit `bit` of the stored byte at `offset` (on-disk damage; the synced state too).
  void flip_stored_bit(const std::string& path, uint64_t offset, int bit);
  uint64_t total_bytes() const;
  uint64_t mutation_count() const { return mutation_count_; }
  // The first mutation refused by fail_mutations_after since the last crash ("append
  // PATH", "rename FROM", ...), if any.
  const std::optional<std::string>& crash_point_hit() const { return crash_point_hit_; }
  // Appends cut short by space_budget_bytes, and junk tails written by crash(), ever.
  uint64_t no_space_refusals() const { return no_space_refusals_; }
  uint64_t junk_tails() const { return junk_tails_; }
  const FaultOptions& faults() const { return faults_; }
  void count_no_space() { ++no_space_refusals_; }

  struct FileState;  // public for the handle classes in memory_env.cc

  // Called by handles: the fault gate for one operation (ok or the injected error).
  Status check_mutation(const char* operation, const std::string& path);
  Status check_read(const std::string& path);
  uint64_t generation() const { return generation_; }
  uint64_t space_left_bytes() const;
  void maybe_flip_bit(std::string* data);

 private:
  using FileMap = std::map<std::string, std::shared_ptr<FileState>>;

  FileMap live_;     // what the process sees now
  FileMap durable_;  // directory entries as of each directory's last sync_dir
  std::set<std::string> dirs_;
  FaultOptions faults_;
  Prng fault_prng_;
  uint64_t generation_ = 0;
  uint64_t mutation_count_ = 0;
  uint64_t no_space_refusals_ = 0;
  uint64_t junk_tails_ = 0;
  std::optional<std::string> crash_point_hit_;
  bool detached_sync_ = false;
};

}  // namespace ringkv
