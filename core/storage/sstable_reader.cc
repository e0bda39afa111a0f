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
  SstableIterator(std::shared_ptr<SstableReader> table, CacheUse use)
      : table_(std::move(table)), use_(use) {}

  Status seek(std::string_view start_key, size_t first_block) {
    block_index_ = first_block;
    RINGKV_RETURN_IF_ERROR(load_block());
    if (!cursor_) return Status();
    Status sought = cursor_->seek(start_key);
    if (!sought.ok()) return fail(sought);
    return settle();
  }
  SstableReader::ChunkHint* hint() { return &hint_; }
  bool valid() const override { return cursor_ && cursor_->valid(); }
  std::string_view key() const override { return cursor_->key(); }
  const RecordView& view() const override { return cursor_->view(); }
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
  // Moves to the next block while the current one is exhausted.
  Status settle() {
    while (cursor_ && !cursor_->valid()) {
      ++block_index_;
      RINGKV_RETURN_IF_ERROR(load_block());
      if (!cursor_) return Status();
      Status first = cursor_->seek_to_first();
      if (!first.ok()) return fail(first);
    }
    return Status();
  }
  Status load_block() {
    cursor_.reset();
    if (block_index_ >= table_->data_block_count()) return Status();
    auto block = table_->load_block(block_index_, use_, &hint_);
    if (!block.ok()) return block.status();
    cursor_.emplace(std::move(*block));
    return Status();
  }

  std::shared_ptr<SstableReader> table_;
  CacheUse use_;
  size_t block_index_ = 0;
  SstableReader::ChunkHint hint_;
  std::optional<BlockCursor> cursor_;
};

}  // namespace

struct IndexChunk {
  struct Entry {
    uint32_t key_offset = 0;  // the block's last key, in keys
    uint32_t key_size = 0;
    BlockHandle handle;
  };
  std::string keys;
  std::vector<Entry> entries;

  std::string_view last_key(size_t i) const {
    return std::string_view(keys).substr(entries[i].key_offset, entries[i].key_size);
  }
  size_t charge() const {
    return keys.capacity() + entries.capacity() * sizeof(Entry) + sizeof(IndexChunk);
  }
};

struct FilterPage {
  std::string bits;
  size_t charge() const { return bits.capacity() + sizeof(FilterPage); }
};

namespace {

// Parses up to `max_entries` index entries (last_key offset size) from `decoder` into
// `chunk`, checking bounds and that keys ascend (after `previous`, a view into the
// caller's bytes, which it updates).
bool parse_index_entries(Decoder& decoder, size_t max_entries, IndexChunk& chunk,
                         std::string_view& previous, bool has_previous) {
  for (size_t i = 0; i < max_entries && !decoder.empty(); ++i) {
    IndexChunk::Entry entry;
    std::string_view last_key;
    if (!decoder.get_length_prefixed(last_key, storage_format::kMaxStoredKeyBytes) ||
        !decoder.get_varint64(entry.handle.offset) ||
        !decoder.get_varint64(entry.handle.size_bytes) ||
        entry.handle.size_bytes > storage_format::kMaxBlockBytes) {
      return false;
    }
    if (has_previous && last_key <= previous) return false;
    has_previous = true;
    previous = last_key;
    entry.key_offset = static_cast<uint32_t>(chunk.keys.size());
    entry.key_size = static_cast<uint32_t>(last_key.size());
    chunk.keys.append(last_key);
    chunk.entries.push_back(entry);
  }
  chunk.keys.shrink_to_fit();
  chunk.entries.shrink_to_fit();
  return true;
}

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

namespace {

// `bytes` holds a block of `size` bytes followed by its trailer: does the CRC match?
bool block_checksum_matches(const char* bytes, size_t size) {
  return crc32c::value(std::string_view(bytes, size)) ==
         crc32c::unmask(decode_fixed32(bytes + size));
}

}  // namespace

bool SstableReader::in_data_range(const BlockHandle& handle) const {
  const uint64_t data_end = file_size_bytes_ - kTableFooterBytes;
  return handle.offset <= data_end && handle.size_bytes <= data_end &&
         handle.size_bytes + kBlockTrailerBytes <= data_end - handle.offset;
}

Status SstableReader::read_block(const BlockHandle& handle, std::string& contents) {
  if (!in_data_range(handle)) return corruption("block handle out of range");
  for (int attempt = 0; attempt < kBlockReadAttempts; ++attempt) {
    size_t length = static_cast<size_t>(handle.size_bytes + kBlockTrailerBytes);
    RINGKV_RETURN_IF_ERROR(file_->read_at(handle.offset, length, &contents));
    if (contents.size() != length) return Status::io_error("short read in " + path_);
    if (block_checksum_matches(contents.data(), static_cast<size_t>(handle.size_bytes))) {
      contents.resize(static_cast<size_t>(handle.size_bytes));  // drop the trailer; no copy
      return Status();
    }
  }
  contents.clear();
  return corruption("block checksum mismatch at offset " + std::to_string(handle.offset));
}

Status SstableReader::read_checked(uint64_t offset, size_t length, uint32_t crc,
                                   std::string& contents) {
  for (int attempt = 0; attempt < kBlockReadAttempts; ++attempt) {
    RINGKV_RETURN_IF_ERROR(file_->read_at(offset, length, &contents));
    if (contents.size() != length) return Status::io_error("short read in " + path_);
    if (crc32c::value(contents) == crc) return Status();
  }
  contents.clear();
  return corruption("metadata checksum mismatch at offset " + std::to_string(offset));
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
  std::string filter_contents;
  RINGKV_RETURN_IF_ERROR(read_block(filter, filter_contents));
  set_up_filter(std::move(filter_contents), filter.offset);
  std::string index_contents;
  RINGKV_RETURN_IF_ERROR(read_block(index, index_contents));
  return set_up_index(index_contents, index.offset);
}

void SstableReader::set_up_filter(std::string contents, uint64_t offset) {
  // What bloom_may_contain() treats as no usable filter reads as "may contain" here too.
  const auto probes = contents.empty() ? uint8_t{0} : static_cast<uint8_t>(contents.back());
  if (contents.size() < 2 || probes == 0 || probes > kMaxBloomProbes ||
      (format_version_ >= 2 && (contents.size() - 1) % storage_format::kBloomLineBytes != 0)) {
    filter_mode_ = FilterMode::kNone;
    return;
  }
  if (format_version_ == 1 || options_.cache == nullptr) {
    filter_mode_ = FilterMode::kWhole;  // format 1 spreads a key's probes over the whole array
    filter_ = std::move(contents);
    return;
  }
  filter_mode_ = FilterMode::kPaged;
  filter_offset_ = offset;
  filter_bytes_ = contents.size() - 1;
  filter_lines_ = filter_bytes_ / storage_format::kBloomLineBytes;
  filter_probes_ = probes;
  for (uint64_t begin = 0; begin < filter_bytes_; begin += kFilterPageBytes) {
    const uint64_t length = std::min<uint64_t>(kFilterPageBytes, filter_bytes_ - begin);
    filter_page_crcs_.push_back(
        crc32c::value(std::string_view(contents).substr(static_cast<size_t>(begin),
                                                        static_cast<size_t>(length))));
  }
  filter_page_crcs_.shrink_to_fit();
}

Status SstableReader::set_up_index(std::string_view contents, uint64_t offset) {
  index_offset_ = offset;
  Decoder decoder(contents);
  std::string_view previous;
  while (!decoder.empty()) {  // one chunk per kIndexChunkEntries entries
    ChunkRef ref;
    ref.begin = static_cast<uint32_t>(contents.size() - decoder.remaining_bytes());
    auto chunk = std::make_shared<IndexChunk>();
    if (!parse_index_entries(decoder, kIndexChunkEntries, *chunk, previous, !chunks_.empty())) {
      return corruption("malformed index block (truncated, a block size out of bounds or keys "
                        "out of order)");
    }
    ref.size = static_cast<uint32_t>(contents.size() - decoder.remaining_bytes()) - ref.begin;
    ref.crc = crc32c::value(contents.substr(ref.begin, ref.size));
    ref.key_offset = static_cast<uint32_t>(chunk_keys_.size());
    ref.key_size = static_cast<uint32_t>(previous.size());
    chunk_keys_.append(previous);
    block_count_ += chunk->entries.size();
    const BlockHandle& last = chunk->entries.back().handle;
    data_end_offset_ = last.offset + last.size_bytes;
    chunks_.push_back(ref);
    if (options_.cache == nullptr) resident_chunks_.push_back(std::move(chunk));
  }
  chunks_.shrink_to_fit();
  chunk_keys_.shrink_to_fit();
  return Status();
}

size_t SstableReader::memory_bytes() const {
  size_t bytes = sizeof(SstableReader) + chunks_.capacity() * sizeof(ChunkRef) +
                 chunk_keys_.capacity() + filter_.capacity() +
                 filter_page_crcs_.capacity() * sizeof(uint32_t);
  for (const auto& chunk : resident_chunks_) bytes += chunk->charge();
  return bytes;
}

Result<std::shared_ptr<const IndexChunk>> SstableReader::read_chunk(size_t chunk) {
  const ChunkRef& ref = chunks_[chunk];
  std::string contents;
  RINGKV_RETURN_IF_ERROR(read_checked(index_offset_ + ref.begin, ref.size, ref.crc, contents));
  auto parsed = std::make_shared<IndexChunk>();
  std::string_view previous;
  Decoder decoder(contents);
  const size_t expected = std::min(kIndexChunkEntries, block_count_ - chunk * kIndexChunkEntries);
  if (!parse_index_entries(decoder, kIndexChunkEntries, *parsed, previous, false) ||
      !decoder.empty() || parsed->entries.size() != expected ||
      previous != chunk_last_key(chunk)) {
    return corruption("index chunk does not match the index read at open");
  }
  return std::shared_ptr<const IndexChunk>(std::move(parsed));
}

Result<std::shared_ptr<const IndexChunk>> SstableReader::load_chunk(size_t chunk, CacheUse use,
                                                                    ChunkHint* hint) {
  RINGKV_ASSERT(chunk < chunks_.size());
  if (!resident_chunks_.empty()) return resident_chunks_[chunk];
  if (hint && hint->chunk == chunk) return hint->value;
  const uint64_t offset = index_offset_ + chunks_[chunk].begin;
  std::shared_ptr<const IndexChunk> loaded;
  if (use != CacheUse::kBypass) loaded = options_.cache->lookup<IndexChunk>(options_.table_number, offset);
  if (!loaded) {
    auto read = read_chunk(chunk);
    if (!read.ok()) return read.status();
    loaded = std::move(*read);
    if (use == CacheUse::kFill) {
      options_.cache->insert(options_.table_number, offset, loaded, loaded->charge(),
                             BlockCache::Kind::kMetadata);
    }
  }
  if (hint) {
    hint->chunk = chunk;
    hint->value = loaded;
  }
  return loaded;
}

Result<std::shared_ptr<const FilterPage>> SstableReader::read_filter_page(size_t page) {
  const uint64_t begin = page * kFilterPageBytes;
  const auto length = static_cast<size_t>(std::min<uint64_t>(kFilterPageBytes, filter_bytes_ - begin));
  auto loaded = std::make_shared<FilterPage>();
  RINGKV_RETURN_IF_ERROR(
      read_checked(filter_offset_ + begin, length, filter_page_crcs_[page], loaded->bits));
  return std::shared_ptr<const FilterPage>(std::move(loaded));
}

Result<bool> SstableReader::may_contain(uint64_t key_hash) {
  switch (filter_mode_) {
    case FilterMode::kNone:
      return true;
    case FilterMode::kWhole:
      return bloom_may_contain(filter_, key_hash, format_version_);
    case FilterMode::kPaged:
      break;
  }
  constexpr uint64_t kLinesPerPage = kFilterPageBytes / storage_format::kBloomLineBytes;
  const uint64_t line = bloom_line_of(key_hash, filter_lines_);
  const size_t page = static_cast<size_t>(line / kLinesPerPage);
  const uint64_t offset = filter_offset_ + page * kFilterPageBytes;
  const FilterPage* page_bits = options_.cache->peek<FilterPage>(options_.table_number, offset);
  std::shared_ptr<const FilterPage> read;  // keeps a page read here alive to the return
  if (page_bits == nullptr) {
    auto loaded = read_filter_page(page);
    if (!loaded.ok()) return loaded.status();
    read = std::move(*loaded);
    page_bits = read.get();
    options_.cache->insert(options_.table_number, offset, read, read->charge(),
                           BlockCache::Kind::kMetadata);
  }
  const char* bits = page_bits->bits.data() + (line % kLinesPerPage) * storage_format::kBloomLineBytes;
  return bloom_line_may_contain(bits, key_hash, filter_probes_);
}

Result<size_t> SstableReader::block_for(std::string_view key, CacheUse use, ChunkHint* hint) {
  size_t low = 0, high = chunks_.size();  // first chunk whose last key >= key
  while (low < high) {
    const size_t middle = low + (high - low) / 2;
    if (chunk_last_key(middle) < key) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  if (low == chunks_.size()) return block_count_;
  const size_t chunk = low;
  auto loaded = load_chunk(chunk, use, hint);
  if (!loaded.ok()) return loaded.status();
  const IndexChunk& entries = **loaded;
  low = 0, high = entries.entries.size();  // its first block whose last key >= key
  while (low < high) {
    const size_t middle = low + (high - low) / 2;
    if (entries.last_key(middle) < key) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  RINGKV_ASSERT(low < entries.entries.size());  // the chunk's last key is >= key
  return chunk * kIndexChunkEntries + low;
}

Result<std::shared_ptr<const Block>> SstableReader::load_block(size_t block_index, CacheUse use,
                                                              ChunkHint* hint) {
  RINGKV_ASSERT(block_index < block_count_);
  auto chunk = load_chunk(block_index / kIndexChunkEntries, use, hint);
  if (!chunk.ok()) return chunk.status();
  const BlockHandle handle = (*chunk)->entries[block_index % kIndexChunkEntries].handle;
  if (options_.cache && use != CacheUse::kBypass) {
    if (auto cached = options_.cache->lookup<Block>(options_.table_number, handle.offset)) {
      return cached;
    }
  }
  std::string contents;
  if (hint && use != CacheUse::kFill) {
    RINGKV_RETURN_IF_ERROR(
        read_block_ahead(**chunk, block_index % kIndexChunkEntries, *hint, contents));
  } else {
    RINGKV_RETURN_IF_ERROR(read_block(handle, contents));
  }
  auto block = Block::parse(std::move(contents), format_version_);
  if (!block.ok()) return corruption(block.status().message());
  if (options_.cache && use == CacheUse::kFill) options_.cache->insert(options_.table_number, handle.offset, *block);
  return block;
}

Status SstableReader::read_block_ahead(const IndexChunk& chunk, size_t in_chunk, ChunkHint& hint,
                                       std::string& contents) {
  const BlockHandle& handle = chunk.entries[in_chunk].handle;
  auto end_of = [](const BlockHandle& block) {
    return block.offset + block.size_bytes + kBlockTrailerBytes;
  };
  if (!in_data_range(handle)) return read_block(handle, contents);  // it says so
  const bool held = handle.offset >= hint.ahead_offset &&
                    end_of(handle) <= hint.ahead_offset + hint.ahead.size();
  if (!held) {
    uint64_t end = end_of(handle);
    for (size_t next = in_chunk + 1; next < chunk.entries.size(); ++next) {
      const BlockHandle& following = chunk.entries[next].handle;
      if (following.offset != end || !in_data_range(following) ||
          end_of(following) - handle.offset > hint.next_ahead_bytes) {
        break;
      }
      end = end_of(following);
    }
    hint.next_ahead_bytes = std::clamp<size_t>(2 * static_cast<size_t>(end - handle.offset),
                                               hint.next_ahead_bytes, kReadaheadBytes);
    const size_t length = static_cast<size_t>(end - handle.offset);
    hint.ahead.clear();
    RINGKV_RETURN_IF_ERROR(file_->read_at(handle.offset, length, &hint.ahead));
    if (hint.ahead.size() != length) {
      hint.ahead.clear();
      return Status::io_error("short read in " + path_);
    }
    hint.ahead_offset = handle.offset;
  }
  const char* bytes = hint.ahead.data() + (handle.offset - hint.ahead_offset);
  const size_t size = static_cast<size_t>(handle.size_bytes);
  if (!block_checksum_matches(bytes, size)) {
    return read_block(handle, contents);  // maybe a transient fault: read alone, and judged
  }
  contents.assign(bytes, size);
  return Status();
}

Status SstableReader::read_data_block(size_t block_index, BlockRecords& records) {
  RINGKV_ASSERT(block_index < block_count_);
  records.clear();
  auto chunk = load_chunk(block_index / kIndexChunkEntries, CacheUse::kLookOnly, nullptr);
  if (!chunk.ok()) return chunk.status();
  const size_t in_chunk = block_index % kIndexChunkEntries;
  std::string contents;
  RINGKV_RETURN_IF_ERROR(read_block((*chunk)->entries[in_chunk].handle, contents));
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
  if (records.empty() || records.back().first != (*chunk)->last_key(in_chunk)) {
    return corruption("data block does not match its index entry");
  }
  return Status();
}

Status SstableReader::check_metadata() {
  if (resident_chunks_.empty()) {
    for (size_t chunk = 0; chunk < chunks_.size(); ++chunk) {
      RINGKV_RETURN_IF_ERROR(read_chunk(chunk).status());
    }
  }
  for (size_t page = 0; page < filter_page_crcs_.size(); ++page) {
    RINGKV_RETURN_IF_ERROR(read_filter_page(page).status());
  }
  return Status();
}

Result<std::optional<StoredRecord>> SstableReader::find(std::string_view key) {
  return find(key, hash64(key));
}

Result<std::optional<StoredRecord>> SstableReader::find(std::string_view key,
                                                        uint64_t key_hash) {
  auto maybe = may_contain(key_hash);
  if (!maybe.ok()) return maybe.status();
  if (!*maybe) return std::optional<StoredRecord>();
  ChunkHint hint;
  auto block_index = block_for(key, CacheUse::kFill, &hint);
  if (!block_index.ok()) return block_index.status();
  if (*block_index == block_count_) return std::optional<StoredRecord>();
  auto block = load_block(*block_index, CacheUse::kFill, &hint);
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
                                                            CacheUse use) {
  auto iterator = std::make_unique<SstableIterator>(shared_from_this(), use);
  auto first_block = block_for(start_key, use, iterator->hint());
  if (!first_block.ok()) return first_block.status();
  RINGKV_RETURN_IF_ERROR(iterator->seek(start_key, *first_block));
  return std::unique_ptr<RecordIterator>(std::move(iterator));
}

Status SstableReader::verify() {
  uint64_t records_seen = 0;
  std::string previous_last_key;
  RINGKV_RETURN_IF_ERROR(check_metadata());
  for (size_t block = 0; block < block_count_; ++block) {
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
