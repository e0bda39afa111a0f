// SstableReader: an open, immutable SSTable of table format 1 or 2. open() reads and checks
// the footer, the index and the bloom filter (kept in memory); data blocks are read on
// demand, their CRC checked on every read from the file (one re-read on mismatch, for
// transient read faults), so callers get corruption, never garbage. With a BlockCache,
// checked blocks are kept there and found again without a read. Shared (shared_ptr) by the
// store, scans and compactions.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/storage/block.h"
#include "core/storage/block_cache.h"
#include "core/storage/env.h"
#include "core/storage/record_iterator.h"
#include "core/storage/stored_record.h"

namespace ringkv {

struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size_bytes = 0;  // contents only, without the CRC trailer
};

using BlockRecords = std::vector<std::pair<std::string, StoredRecord>>;

struct TableReadOptions {
  BlockCache* cache = nullptr;  // outlives the reader; null: every block read from the file
  uint64_t table_number = 0;    // the cache key, unique within the cache
};

class SstableReader : public std::enable_shared_from_this<SstableReader> {
 public:
  static Result<std::shared_ptr<SstableReader>> open(Env& env, const std::string& path,
                                                     TableReadOptions options = {});

  // The record stored for `key`, if any (purge markers included). `key_hash` is
  // hash64(key) (for the bloom filter).
  Result<std::optional<StoredRecord>> find(std::string_view key, uint64_t key_hash);
  Result<std::optional<StoredRecord>> find(std::string_view key);
  // An iterator positioned at the first key >= start_key. With fill_cache false, blocks
  // found in the cache are used but blocks read are not added (a full scan or a
  // compaction would otherwise push out what point reads use).
  Result<std::unique_ptr<RecordIterator>> seek(std::string_view start_key,
                                               bool fill_cache = false);
  // Reads every block and checks every checksum and the key order (sstdump --check).
  Status verify();

  size_t data_block_count() const { return index_.size(); }
  // Reads block `block_index` from the file (never from the cache) and decodes it whole.
  Status read_data_block(size_t block_index, BlockRecords& records);
  // The block, checked: from the cache if there, else read (and cached if fill_cache).
  Result<std::shared_ptr<const Block>> load_block(size_t block_index, bool fill_cache);
  uint64_t entry_count() const { return entry_count_; }
  uint64_t file_size_bytes() const { return file_size_bytes_; }
  uint32_t format_version() const { return format_version_; }
  const std::string& path() const { return path_; }
  // Bytes held in memory for this table (filter and index).
  size_t memory_bytes() const;
  // Where the data blocks end (the bloom filter, index and footer follow).
  uint64_t data_end_offset() const {
    return index_.empty() ? 0 : index_.back().handle.offset + index_.back().handle.size_bytes;
  }

 private:
  struct IndexEntry {
    uint32_t key_offset = 0;  // the block's last key, in index_keys_
    uint32_t key_size = 0;
    BlockHandle handle;
  };

  SstableReader(std::unique_ptr<ReadableFile> file, std::string path, TableReadOptions options);
  Status load_footer_and_meta();
  Status parse_index(std::string_view contents);
  Status read_block(const BlockHandle& handle, std::string& contents);
  Status corruption(const std::string& what) const;
  std::string_view last_key(size_t block_index) const {
    return std::string_view(index_keys_).substr(index_[block_index].key_offset,
                                                index_[block_index].key_size);
  }
  // The first block whose last key is >= key (index_.size() if none).
  size_t block_for(std::string_view key) const;

  std::unique_ptr<ReadableFile> file_;
  std::string path_;
  TableReadOptions options_;
  uint32_t format_version_ = 0;
  uint64_t file_size_bytes_ = 0;
  uint64_t entry_count_ = 0;
  std::string filter_;
  std::string index_keys_;
  std::vector<IndexEntry> index_;
};

}  // namespace ringkv
