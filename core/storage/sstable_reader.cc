#include "core/storage/sstable_reader.h"

#include <algorithm>

#include "core/storage/bloom_filter.h"
#include "core/storage/coding.h"
#include "core/storage/crc32c.h"
#include "core/storage/storage_format.h"

namespace ringkv {
namespace {

using storage_format::kBlockTrailerBytes;
using storage_format::kTableFooterBytes;

constexpr int kBlockReadAttempts = 2;

class SstableIterator final : public RecordIterator {
 public:
  SstableIterator(std::shared_ptr<SstableReader> table, bool fill_cache)
      : table_(std::move(table)), fill_cache_(fill_cache) {}

  Status seek(std::string_view start_key, size_t first_block) {
    block_index_ = first_block;
    RINGKV_RETURN_IF_ERROR(load_block());
    if (!cursor_) return Status();
    Status sought = cursor_->seek(start_key);
    if (!sought.ok()) return fail(sought);
    return settle();
  }
  bool valid() const override { return cursor_ && cursor_->valid(); }
  std::string_view key() const override { return cursor_->key(); }
  const StoredRecord& record() const override { return record_; }
  Status next() override {
    RINGKV_ASSERT(valid());
    Status moved = cursor_->next();
    if (!moved.ok()) return fail(moved);
    return settle();
  }

 private:
  // A malformed entry met by the cursor (blocks that fail to load say where already).
  Status fail(const Status& status) {
    cursor_.reset();
    return Status::corruption(status.message() + " in " + table_->path());
  }
  // Moves to the next block while the current one is exhausted; materializes the record.
  Status settle() {
    while (cursor_ && !cursor_->valid()) {
      ++block_index_;
      RINGKV_RETURN_IF_ERROR(load_block());
      if (!cursor_) return Status();
      Status first = cursor_->seek_to_first();
      if (!first.ok()) return fail(first);
    }
    if (cursor_) materialize_record(cursor_->view(), record_);
    return Status();
  }
  Status load_block() {
    cursor_.reset();
    if (block_index_ >= table_->data_block_count()) return Status();
    auto block = table_->load_block(block_index_, fill_cache_);
    if (!block.ok()) return block.status();
    cursor_.emplace(std::move(*block));
    return Status();
  }

  std::shared_ptr<SstableReader> table_;
  bool fill_cache_;
  size_t block_index_ = 0;
  std::optional<BlockCursor> cursor_;
  StoredRecord record_;
};

}  // namespace

SstableReader::SstableReader(std::unique_ptr<ReadableFile> file, std::string path,
                             TableReadOptions options)
    : file_(std::move(file)), path_(std::move(path)), options_(options) {}

Status SstableReader::corruption(const std::string& what) const {
  return Status::corruption(what + " in " + path_);
}

Result<std::shared_ptr<SstableReader>> SstableReader::open(Env& env, const std::string& path,
                                                           TableReadOptions options) {
  auto file = env.open_for_read(path);
  if (!file.ok()) return file.status();
  std::shared_ptr<SstableReader> reader(new SstableReader(std::move(*file), path, options));
  RINGKV_RETURN_IF_ERROR(reader->load_footer_and_meta());
  return reader;
}

Status SstableReader::read_block(const BlockHandle& handle, std::string& contents) {
  uint64_t data_end = file_size_bytes_ - kTableFooterBytes;
  if (handle.offset > data_end || handle.size_bytes > data_end ||
      handle.size_bytes + kBlockTrailerBytes > data_end - handle.offset) {
    return corruption("block handle out of range");
  }
  for (int attempt = 0; attempt < kBlockReadAttempts; ++attempt) {
    size_t length = static_cast<size_t>(handle.size_bytes + kBlockTrailerBytes);
    RINGKV_RETURN_IF_ERROR(file_->read_at(handle.offset, length, &contents));
    if (contents.size() != length) return Status::io_error("short read in " + path_);
    std::string_view block(contents.data(), static_cast<size_t>(handle.size_bytes));
    uint32_t stored = crc32c::unmask(decode_fixed32(contents.data() + handle.size_bytes));
    if (crc32c::value(block) == stored) {
      contents.resize(block.size());  // drop the trailer; no copy
      return Status();
    }
  }
  contents.clear();
  return corruption("block checksum mismatch at offset " + std::to_string(handle.offset));
}

Status SstableReader::load_footer_and_meta() {
  auto size = file_->size_bytes();
  if (!size.ok()) return size.status();
  file_size_bytes_ = *size;
  if (file_size_bytes_ < kTableFooterBytes) return corruption("file shorter than a footer");
  std::string footer;
  for (int attempt = 0; attempt < kBlockReadAttempts; ++attempt) {
    RINGKV_RETURN_IF_ERROR(
        file_->read_at(file_size_bytes_ - kTableFooterBytes, kTableFooterBytes, &footer));
    if (footer.size() != kTableFooterBytes) return Status::io_error("short read in " + path_);
    bool crc_ok = crc32c::unmask(decode_fixed32(footer.data() + 44)) ==
                  crc32c::value(std::string_view(footer.data(), 44));
    if (crc_ok && decode_fixed64(footer.data() + 48) == storage_format::kTableMagic) break;
    if (attempt + 1 == kBlockReadAttempts) return corruption("bad footer (magic or checksum)");
  }
  format_version_ = decode_fixed32(footer.data() + 40);
  if (format_version_ < storage_format::kOldestTableFormatVersion ||
      format_version_ > storage_format::kTableFormatVersion) {
    return corruption("table format version " + std::to_string(format_version_) +
                      " (this build reads " +
                      std::to_string(storage_format::kOldestTableFormatVersion) + " to " +
                      std::to_string(storage_format::kTableFormatVersion) + ")");
  }
  BlockHandle filter{decode_fixed64(footer.data()), decode_fixed64(footer.data() + 8)};
  BlockHandle index{decode_fixed64(footer.data() + 16), decode_fixed64(footer.data() + 24)};
  entry_count_ = decode_fixed64(footer.data() + 32);
  RINGKV_RETURN_IF_ERROR(read_block(filter, filter_));
  std::string index_contents;
  RINGKV_RETURN_IF_ERROR(read_block(index, index_contents));
  return parse_index(index_contents);
}

Status SstableReader::parse_index(std::string_view contents) {
  Decoder decoder(contents);
  std::string_view previous;
  while (!decoder.empty()) {
    IndexEntry entry;
    std::string_view last_key;
    if (!decoder.get_length_prefixed(last_key, storage_format::kMaxStoredKeyBytes) ||
        !decoder.get_varint64(entry.handle.offset) ||
        !decoder.get_varint64(entry.handle.size_bytes) ||
        entry.handle.size_bytes > storage_format::kMaxBlockBytes) {
      return corruption("malformed index block");
    }
    if (!index_.empty() && last_key <= previous) return corruption("index keys out of order");
    previous = last_key;
    entry.key_offset = static_cast<uint32_t>(index_keys_.size());
    entry.key_size = static_cast<uint32_t>(last_key.size());
    index_keys_.append(last_key);
    index_.push_back(entry);
  }
  index_keys_.shrink_to_fit();
  index_.shrink_to_fit();
  return Status();
}

size_t SstableReader::memory_bytes() const {
  return filter_.capacity() + index_keys_.capacity() + index_.capacity() * sizeof(IndexEntry) +
         sizeof(SstableReader);
}

size_t SstableReader::block_for(std::string_view key) const {
  size_t low = 0, high = index_.size();  // first block whose last key >= key
  while (low < high) {
    const size_t middle = low + (high - low) / 2;
    if (last_key(middle) < key) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

Result<std::shared_ptr<const Block>> SstableReader::load_block(size_t block_index,
                                                              bool fill_cache) {
  RINGKV_ASSERT(block_index < index_.size());
  const BlockHandle& handle = index_[block_index].handle;
  if (options_.cache) {
    if (auto cached = options_.cache->lookup(options_.table_number, handle.offset)) return cached;
  }
  std::string contents;
  RINGKV_RETURN_IF_ERROR(read_block(handle, contents));
  auto block = Block::parse(std::move(contents), format_version_);
  if (!block.ok()) return corruption(block.status().message());
  if (options_.cache && fill_cache) options_.cache->insert(options_.table_number, handle.offset, *block);
  return block;
}

Status SstableReader::read_data_block(size_t block_index, BlockRecords& records) {
  RINGKV_ASSERT(block_index < index_.size());
  records.clear();
  std::string contents;
  RINGKV_RETURN_IF_ERROR(read_block(index_[block_index].handle, contents));
  auto block = Block::parse(std::move(contents), format_version_);
  if (!block.ok()) return corruption(block.status().message());
  BlockCursor cursor(std::move(*block));
  Status status = cursor.seek_to_first();
  while (status.ok() && cursor.valid()) {
    StoredRecord record;
    materialize_record(cursor.view(), record);
    records.emplace_back(std::string(cursor.key()), std::move(record));
    status = cursor.next();
  }
  if (!status.ok()) return corruption(status.message());
  if (records.empty() || records.back().first != last_key(block_index)) {
    return corruption("data block does not match its index entry");
  }
  return Status();
}

Result<std::optional<StoredRecord>> SstableReader::find(std::string_view key) {
  return find(key, hash64(key));
}

Result<std::optional<StoredRecord>> SstableReader::find(std::string_view key,
                                                        uint64_t key_hash) {
  if (!bloom_may_contain(filter_, key_hash, format_version_)) return std::optional<StoredRecord>();
  const size_t block_index = block_for(key);
  if (block_index == index_.size()) return std::optional<StoredRecord>();
  auto block = load_block(block_index, true);
  if (!block.ok()) return block.status();
  BlockCursor cursor(std::move(*block));
  Status sought = cursor.seek(key);
  if (!sought.ok()) return corruption(sought.message());
  if (!cursor.valid() || cursor.key() != key) return std::optional<StoredRecord>();
  StoredRecord record;
  materialize_record(cursor.view(), record);
  return std::optional<StoredRecord>(std::move(record));
}

Result<std::unique_ptr<RecordIterator>> SstableReader::seek(std::string_view start_key,
                                                            bool fill_cache) {
  auto iterator = std::make_unique<SstableIterator>(shared_from_this(), fill_cache);
  RINGKV_RETURN_IF_ERROR(iterator->seek(start_key, block_for(start_key)));
  return std::unique_ptr<RecordIterator>(std::move(iterator));
}

Status SstableReader::verify() {
  uint64_t records_seen = 0;
  std::string previous_last_key;
  for (size_t block = 0; block < index_.size(); ++block) {
    BlockRecords records;
    RINGKV_RETURN_IF_ERROR(read_data_block(block, records));
    if (block > 0 && records.front().first <= previous_last_key) {
      return corruption("blocks out of key order");
    }
    previous_last_key = records.back().first;
    records_seen += records.size();
  }
  if (records_seen != entry_count_) return corruption("entry count does not match the footer");
  return Status();
}

}  // namespace ringkv
