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

Status decode_block_records(std::string_view contents, BlockRecords& records) {
  records.clear();
  Decoder decoder(contents);
  while (!decoder.empty()) {
    std::pair<std::string, StoredRecord> item;
    if (!decode_record(decoder, item.first, item.second)) {
      return Status::corruption("malformed record");
    }
    if (!records.empty() && item.first <= records.back().first) {
      return Status::corruption("keys out of order");
    }
    records.push_back(std::move(item));
  }
  if (records.empty()) return Status::corruption("empty data block");
  return Status();
}

class SstableIterator final : public RecordIterator {
 public:
  explicit SstableIterator(std::shared_ptr<SstableReader> table) : table_(std::move(table)) {}

  Status seek(std::string_view start_key, size_t first_block) {
    block_index_ = first_block;
    RINGKV_RETURN_IF_ERROR(load_block());
    auto it =
        std::lower_bound(records_.begin(), records_.end(), start_key,
                         [](const auto& item, std::string_view key) { return item.first < key; });
    position_ = static_cast<size_t>(it - records_.begin());
    if (position_ == records_.size()) return next_block();
    return Status();
  }
  bool valid() const override { return position_ < records_.size(); }
  std::string_view key() const override { return records_[position_].first; }
  const StoredRecord& record() const override { return records_[position_].second; }
  Status next() override {
    RINGKV_ASSERT(valid());
    if (++position_ < records_.size()) return Status();
    return next_block();
  }

 private:
  Status load_block() {
    records_.clear();
    position_ = 0;
    if (block_index_ >= table_->data_block_count()) return Status();
    Status status = table_->read_data_block(block_index_, records_);
    if (!status.ok()) records_.clear();
    return status;
  }
  Status next_block() {
    ++block_index_;
    return load_block();
  }

  std::shared_ptr<SstableReader> table_;
  size_t block_index_ = 0;
  BlockRecords records_;
  size_t position_ = 0;
};

}  // namespace

SstableReader::SstableReader(std::unique_ptr<ReadableFile> file, std::string path)
    : file_(std::move(file)), path_(std::move(path)) {}

Status SstableReader::corruption(const std::string& what) const {
  return Status::corruption(what + " in " + path_);
}

Result<std::shared_ptr<SstableReader>> SstableReader::open(Env& env, const std::string& path) {
  auto file = env.open_for_read(path);
  if (!file.ok()) return file.status();
  std::shared_ptr<SstableReader> reader(new SstableReader(std::move(*file), path));
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
    std::string bytes;
    size_t length = static_cast<size_t>(handle.size_bytes + kBlockTrailerBytes);
    RINGKV_RETURN_IF_ERROR(file_->read_at(handle.offset, length, &bytes));
    if (bytes.size() != length) return Status::io_error("short read in " + path_);
    std::string_view block(bytes.data(), static_cast<size_t>(handle.size_bytes));
    uint32_t stored = crc32c::unmask(decode_fixed32(bytes.data() + handle.size_bytes));
    if (crc32c::value(block) == stored) {
      contents.assign(block);
      return Status();
    }
  }
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
  if (decode_fixed32(footer.data() + 40) != storage_format::kTableFormatVersion) {
    return corruption("unknown table format version");
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
  while (!decoder.empty()) {
    IndexEntry entry;
    std::string_view last_key;
    if (!decoder.get_length_prefixed(last_key, storage_format::kMaxStoredKeyBytes) ||
        !decoder.get_varint64(entry.handle.offset) ||
        !decoder.get_varint64(entry.handle.size_bytes) ||
        entry.handle.size_bytes > storage_format::kMaxBlockBytes) {
      return corruption("malformed index block");
    }
    entry.last_key.assign(last_key);
    if (!index_.empty() && entry.last_key <= index_.back().last_key) {
      return corruption("index keys out of order");
    }
    index_.push_back(std::move(entry));
  }
  return Status();
}

Status SstableReader::read_data_block(size_t block_index, BlockRecords& records) {
  RINGKV_ASSERT(block_index < index_.size());
  std::string contents;
  RINGKV_RETURN_IF_ERROR(read_block(index_[block_index].handle, contents));
  Status decoded = decode_block_records(contents, records);
  if (!decoded.ok()) return corruption(decoded.message());
  if (records.back().first != index_[block_index].last_key) {
    return corruption("data block does not match its index entry");
  }
  return Status();
}

Result<std::optional<StoredRecord>> SstableReader::find(std::string_view key) {
  if (!bloom_may_contain(filter_, key)) return std::optional<StoredRecord>();
  auto it = std::lower_bound(
      index_.begin(), index_.end(), key,
      [](const IndexEntry& entry, std::string_view k) { return entry.last_key < k; });
  if (it == index_.end()) return std::optional<StoredRecord>();
  std::string contents;
  RINGKV_RETURN_IF_ERROR(read_block(it->handle, contents));
  // Decode views in order and stop at the first key >= `key`; only the match is copied.
  Decoder decoder(contents);
  RecordView view;
  while (!decoder.empty()) {
    if (!decode_record_view(decoder, view)) return corruption("malformed record");
    if (view.key < key) continue;
    if (view.key == key) {
      StoredRecord record;
      materialize_record(view, record);
      return std::optional<StoredRecord>(std::move(record));
    }
    break;
  }
  return std::optional<StoredRecord>();
}

Result<std::unique_ptr<RecordIterator>> SstableReader::seek(std::string_view start_key) {
  auto it = std::lower_bound(
      index_.begin(), index_.end(), start_key,
      [](const IndexEntry& entry, std::string_view k) { return entry.last_key < k; });
  auto iterator = std::make_unique<SstableIterator>(shared_from_this());
  RINGKV_RETURN_IF_ERROR(iterator->seek(start_key, static_cast<size_t>(it - index_.begin())));
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
