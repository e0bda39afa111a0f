// MemoryStore: a ReplicaStore in a std::map. Nothing is ever lost (sync is a no-op), so it
// suits unit tests and simulations that do not model the disk.
#pragma once

#include <map>
#include <string>

#include "core/replica_store.h"

namespace ringkv {

class MemoryStore final : public ReplicaStore {
 public:
  Result<ApplyResult> apply(std::string_view key, const Entry& entry) override;
  Result<std::optional<Entry>> get(std::string_view key) override;
  Status scan(std::string_view start_key, const Visitor& visit) override;
  Status sync() override;
  Status purge(std::string_view key, const Version& version) override;

  size_t size() const { return entries_.size(); }
  // Test fault: the next `count` scans stop halfway through with io_error, as a disk read
  // error in the middle of a store scan does.
  void fail_next_scans(int count) { failing_scans_ = count; }
  // Test fault: while full, every apply fails with no_space and writes nothing, as an
  // LsmStore does when its disk is full.
  void set_full(bool full) { full_ = full; }

 private:
  std::map<std::string, Entry, std::less<>> entries_;
  int failing_scans_ = 0;
  bool full_ = false;
};

}  // namespace ringkv
