#include "core/storage/memtable.h"

namespace ringkv {

size_t Memtable::record_bytes(std::string_view key, const StoredRecord& record) {
  return key.size() + record.entry.value.size() + record.entry.version.node_id.size() +
         kRecordOverheadBytes;
}

void Memtable::put(std::string_view key, const StoredRecord& record) {
  auto it = records_.find(key);
  if (it == records_.end()) {
    records_.emplace(std::string(key), record);
  } else {
    approximate_bytes_ -= record_bytes(key, it->second);
    it->second = record;
  }
  approximate_bytes_ += record_bytes(key, record);
}

const StoredRecord* Memtable::find(std::string_view key) const {
  auto it = records_.find(key);
  return it == records_.end() ? nullptr : &it->second;
}

void Memtable::clear() {
  records_.clear();
  approximate_bytes_ = 0;
}

}  // namespace ringkv
