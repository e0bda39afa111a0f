// SstableReader: an open, immutable SSTable. open() reads and checks the footer, the index
// and the bloom filter (kept in memory); data blocks are read on demand and their CRC is
// checked on every read (one re-read on mismatch, for transient read faults), so callers
// get corruption, never garbage. Shared (shared_ptr) by the store, scans and compactions.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/storage/env.h"
#include "core/storage/record_iterator.h"
#include "core/storage/stored_record.h"

namespace ringkv {

struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size_bytes = 0;  // contents only, without the CRC trailer
};

using BlockRecords = std::vector<std::pair<std::string, StoredRecord>>;

class SstableReader : public std::enable_shared_from_this<SstableReader> {
 public:
  static Result<std::shared_ptr<SstableReader>> open(Env& env, const std::string& path);

  // The record stored for `key`, if any (purge markers included).
  Result<std::optional<StoredRecord>> find(std::string_view key);
  // An iterator positioned at the first key >= start_key.
  Result<std::unique_ptr<RecordIterator>> seek(std::string_view start_key);
  // Reads every block and checks every checksum and the key order (sstdump --check).
  Status verify();

  size_t data_block_count() const { return index_.size(); }
  Status read_data_block(size_t block_index, BlockRecords& records);
  uint64_t entry_count() const { return entry_count_; }
  uint64_t file_size_bytes() const { return file_size_bytes_; }
  const std::string& path() const { return path_; }
  // Where the data blocks end (the bloom filter, index and footer follow).
  uint64_t data_end_offset() const {
    return index_.empty() ? 0 : index_.back().handle.offset + index_.back().handle.size_bytes;
  }

 private:
  struct IndexEntry {
    std::string last_key;
    BlockHandle handle;
  };

  SstableReader(std::unique_ptr<ReadableFile> file, std::string path);
  Status load_footer_and_meta();
  Status parse_index(std::string_view contents);
  Status read_block(const BlockHandle& handle, std::string& contents);
  Status corruption(const std::string& what) const;

  std::unique_ptr<ReadableFile> file_;
  std::string path_;
  uint64_t file_size_bytes_ = 0;
  uint64_t entry_count_ = 0;
  std::string filter_;
  std::vector<IndexEntry> index_;
};

}  // namespace ringkv
