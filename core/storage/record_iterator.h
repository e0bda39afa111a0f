// RecordIterator: a forward cursor over (key, record) pairs in ascending key order, over one
// source (memtable, SSTable) or a merge of several. A record is seen as a view into the
// source's bytes (nothing copied); record() copies it out for callers that keep it. A
// non-ok Status from next() leaves the iterator invalid. Sources must not change while an
// iterator is live.
#pragma once

#include <string_view>

#include "core/status.h"
#include "core/storage/coding.h"
#include "core/storage/stored_record.h"

namespace ringkv {

class RecordIterator {
 public:
  virtual ~RecordIterator() = default;
  virtual bool valid() const = 0;
  virtual std::string_view key() const = 0;
  // The current record's kind, version and value (its key is key()); valid until next().
  virtual const RecordView& view() const = 0;
  virtual Status next() = 0;

  // The current record, copied out of view(); valid until next().
  const StoredRecord& record() const {
    materialize_record(view(), record_);
    return record_;
  }

 private:
  mutable StoredRecord record_;
};

}  // namespace ringkv
