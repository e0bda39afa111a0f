#include "core/memory_store.h"

namespace ringkv {

Result<ApplyResult> MemoryStore::apply(std::string_view key, const Entry& entry) {
  if (full_) return Status::no_space("memory store set full (test fault)");
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    entries_.emplace(std::string(key), entry);
    return ApplyResult{true, entry.version, std::nullopt};
  }
  if (lww_wins(entry, it->second)) {
    ApplyResult result{true, entry.version, std::move(it->second)};
    it->second = entry;
    return result;
  }
  return ApplyResult{false, it->second.version, std::nullopt};
}

Result<std::optional<Entry>> MemoryStore::get(std::string_view key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::optional<Entry>();
  return std::optional<Entry>(it->second);
}

Status MemoryStore::scan(std::string_view start_key, const Visitor& visit) {
  const bool fail = failing_scans_ > 0;
  if (fail) --failing_scans_;
  size_t visited = 0;
  for (auto it = entries_.lower_bound(start_key); it != entries_.end(); ++it) {
    if (fail && visited++ == entries_.size() / 2) return Status::io_error("injected scan failure");
    if (!visit(it->first, it->second)) break;
  }
  return Status();
}

Status MemoryStore::sync() { return Status(); }

Status MemoryStore::purge(std::string_view key, const Version& version) {
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.version == version) {
    entries_.erase(it);
  }
  return Status();
}

}  // namespace ringkv
