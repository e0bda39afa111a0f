// RecordIterator: a forward cursor over (key, StoredRecord) pairs in ascending key order,
// over one source (memtable, SSTable) or a merge of several. A non-ok Status from next()
// leaves the iterator invalid. Sources must not change while an iterator is live.
#pragma once

#include <string_view>

#include "core/status.h"
#include "core/storage/stored_record.h"

namespace ringkv {

class RecordIterator {
 public:
  virtual ~RecordIterator() = default;
  virtual bool valid() const = 0;
  virtual std::string_view key() const = 0;
  virtual const StoredRecord& record() const = 0;
  virtual Status next() = 0;
};

}  // namespace ringkv
