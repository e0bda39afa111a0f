// SstableReader: an open, immutable SSTable of table format 1 or 2. open() reads and checks
// the footer, the index and the bloom filter; data blocks are read on demand, their CRC
// checked on every read from the file (one re-read on mismatch, for transient read
// faults), so callers get corruption, never garbage. With a BlockCache, checked blocks are
// kept there and found again without a read, and so is the table's metadata: the reader
// keeps only a summary in memory (each index chunk's last key and a checksum per index
// chunk and per filter page, computed from the checked blocks at open) and reads chunks and
// pages on demand, checking them against that summary. What a store holds for its tables
// then stays within the cache's capacity, whatever the number of keys (docs/storage.md,
// "Table metadata"). Without a cache, the whole index and filter stay in memory. Shared
// (shared_ptr) by the store, scans and compactions.
#pragma once

#include <cstdint>
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

// A table's index read a chunk at a time: this many consecutive index entries (one per data
// block) per chunk, and the filter (format 2) this many bytes (64 lines) per page. Reader
// tuning, not format: the bytes on disk are the same whatever the values.
inline constexpr size_t kIndexChunkEntries = 64;
inline constexpr size_t kFilterPageBytes = 4096;
// A reader walking blocks in order without filling the cache (a scan, a compaction) reads
// the blocks that follow the one it needs in the same read: one block at first, twice as
// many bytes at each read after that, up to this many (as a kernel's readahead grows).
inline constexpr size_t kReadaheadBytes = 64 << 10;

struct IndexChunk;  // a checked, parsed piece of the index (what the cache keeps)
struct FilterPage;  // a checked page of a format-2 filter

// How a read uses the block cache: keep what it reads (point reads), only look there (scans:
// a full scan would push out what point reads use), or not touch it at all (a compaction
// run off the store's thread: the cache is not thread-safe).
enum class CacheUse : uint8_t { kFill, kLookOnly, kBypass };

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
  // An iterator positioned at the first key >= start_key. By default blocks found in the
  // cache are used but blocks read are not added (a full scan would otherwise push out what
  // point reads use); kBypass for a reader on another thread than the store's: the
  // iterator then touches neither the cache nor anything else the store changes (the table
  // itself is immutable).
  Result<std::unique_ptr<RecordIterator>> seek(std::string_view start_key,
                                               CacheUse use = CacheUse::kLookOnly);
  // Reads every block and checks every checksum and the key order (sstdump --check).
  Status verify();

  size_t data_block_count() const { return block_count_; }
  // Reads block `block_index` from the file (never from the cache) and decodes it whole.
  Status read_data_block(size_t block_index, BlockRecords& records);
  // Reads every index chunk and filter page from the file (never from the cache) and
  // checks each against the summary taken at open.
  Status check_metadata();
  // The index chunk a caller walking blocks in order holds on to (so that a scan that does
  // not fill the cache reads each chunk once, not once per block).
  // It also holds that walker's readahead: the bytes of the blocks read ahead.
  struct ChunkHint {
    size_t chunk = SIZE_MAX;
    std::shared_ptr<const IndexChunk> value;
    std::string ahead;          // unchecked bytes of whole blocks with their trailers
    uint64_t ahead_offset = 0;  // where `ahead` starts in the file
    size_t next_ahead_bytes = 0;  // the size of the next read ahead (0: one block)
  };
  // The block, checked: from the cache if `use` looks there, else read (and kept with
  // kFill; read ahead into `hint` without).
  Result<std::shared_ptr<const Block>> load_block(size_t block_index, CacheUse use,
                                                  ChunkHint* hint = nullptr);
  uint64_t entry_count() const { return entry_count_; }
  uint64_t file_size_bytes() const { return file_size_bytes_; }
  uint32_t format_version() const { return format_version_; }
  const std::string& path() const { return path_; }
  // Bytes this reader holds in memory whatever the cache holds: the metadata summary, or
  // (without a cache, or for a format-1 filter) the whole index or filter.
  size_t memory_bytes() const;
  // Where the data blocks end (the bloom filter, index and footer follow).
  uint64_t data_end_offset() const { return data_end_offset_; }

 private:
  struct ChunkRef {  // the summary of one index chunk
    uint32_t begin = 0;  // bytes [begin, begin + size) of the index block's contents
    uint32_t size = 0;
    uint32_t crc = 0;  // crc32c of those bytes
    uint32_t key_offset = 0;  // the chunk's last key, in chunk_keys_
    uint32_t key_size = 0;
  };
  enum class FilterMode : uint8_t {
    kNone,   // no usable filter (too short or malformed probes byte): every key may be there
    kWhole,  // filter_ holds it (format 1, or no cache)
    kPaged,  // format 2 read a page at a time through the cache
  };

  SstableReader(std::unique_ptr<ReadableFile> file, std::string path, TableReadOptions options);
  Status load_footer_and_meta();
  void set_up_filter(std::string contents, uint64_t offset);
  Status set_up_index(std::string_view contents, uint64_t offset);
  Status read_block(const BlockHandle& handle, std::string& contents);
  // The block and its trailer lie within the data blocks' part of the file.
  bool in_data_range(const BlockHandle& handle) const;
  // read_block() for a walker: from its readahead, refilled (with the blocks that follow
  // in `chunk`) when it does not hold the block; a block whose checksum fails there is
  // read again on its own.
  Status read_block_ahead(const IndexChunk& chunk, size_t in_chunk, ChunkHint& hint,
                          std::string& contents);
  // Reads `length` bytes at `offset` whose crc32c must be `crc` (one re-read on mismatch).
  Status read_checked(uint64_t offset, size_t length, uint32_t crc, std::string& contents);
  Status corruption(const std::string& what) const;
  std::string_view chunk_last_key(size_t chunk) const {
    return std::string_view(chunk_keys_).substr(chunks_[chunk].key_offset, chunks_[chunk].key_size);
  }
  Result<std::shared_ptr<const IndexChunk>> read_chunk(size_t chunk);
  Result<std::shared_ptr<const IndexChunk>> load_chunk(size_t chunk, CacheUse use,
                                                       ChunkHint* hint);
  Result<std::shared_ptr<const FilterPage>> read_filter_page(size_t page);
  Result<bool> may_contain(uint64_t key_hash);
  // The first block whose last key is >= key (data_block_count() if none).
  Result<size_t> block_for(std::string_view key, CacheUse use, ChunkHint* hint);

  std::unique_ptr<ReadableFile> file_;
  std::string path_;
  TableReadOptions options_;
  uint32_t format_version_ = 0;
  uint64_t file_size_bytes_ = 0;
  uint64_t entry_count_ = 0;
  uint64_t data_end_offset_ = 0;
  size_t block_count_ = 0;
  // Index: the summary, and every chunk when there is no cache to keep them.
  uint64_t index_offset_ = 0;
  std::vector<ChunkRef> chunks_;
  std::string chunk_keys_;
  std::vector<std::shared_ptr<const IndexChunk>> resident_chunks_;
  // Filter.
  FilterMode filter_mode_ = FilterMode::kNone;
  std::string filter_;  // kWhole
  uint64_t filter_offset_ = 0;  // kPaged: the bit array's place in the file and its shape
  uint64_t filter_bytes_ = 0;
  uint64_t filter_lines_ = 0;
  uint8_t filter_probes_ = 0;
  std::vector<uint32_t> filter_page_crcs_;
};

}  // namespace ringkv
