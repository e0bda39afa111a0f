#include "core/storage/memtable.h"

namespace ringkv {

size_t Memtable::record_bytes(std::string_view key, const StoredRecord& record) {
  return key.size() + record.entry.value.size() + record.entry.version.node_id.size() +
         kRecordOverheadBytes;
}

void Memtable::put(std::string_view key, const StoredRecord& record) {
  if (auto found = index_.find(key); found != index_.end()) {
    approximate_bytes_ -= record_bytes(key, *found->second);
    *found->second = record;
  } else {
    auto it = records_.emplace(std::string(key), record).first;
    index_.emplace(std::string_view(it->first), &it->second);
  }
  approximate_bytes_ += record_bytes(key, record);
}

const StoredRecord* Memtable::find(std::string_view key) const {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : it->second;
}

void Memtable::clear() {
  index_.clear();
  records_.clear();
  approximate_bytes_ = 0;
}

}  // namespace ringkv
