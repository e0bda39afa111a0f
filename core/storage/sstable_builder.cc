#include "core/storage/sstable_builder.h"

#include "core/storage/coding.h"
#include "core/storage/crc32c.h"
#include "core/storage/storage_format.h"

namespace ringkv {

SstableBuilder::SstableBuilder(std::unique_ptr<WritableFile> file, size_t bloom_bits_per_key,
                               uint32_t format_version)
    : file_(std::move(file)),
      format_version_(format_version),
      bloom_(bloom_bits_per_key, format_version) {
  RINGKV_ASSERT(format_version >= storage_format::kOldestTableFormatVersion &&
                format_version <= storage_format::kTableFormatVersion);
}

Status SstableBuilder::add(std::string_view key, const RecordView& record) {
  RINGKV_ASSERT(!finished_);
  RINGKV_ASSERT_MSG(entry_count_ == 0 || key > last_key_, "SSTable keys must ascend");
  if (format_version_ == 1) {
    data_block_.push_back(static_cast<char>(record.kind));  // encode_record's layout
    put_length_prefixed(data_block_, key);
    encode_record_body(data_block_, record);
  } else {
    block_.add(key, record);
  }
  bloom_.add_key(key);
  last_key_.assign(key);
  ++entry_count_;
  const size_t block_bytes = format_version_ == 1 ? data_block_.size() : block_.size_estimate();
  if (block_bytes >= storage_format::kTargetDataBlockBytes) return flush_data_block();
  return Status();
}

Status SstableBuilder::write_block(std::string& contents, uint64_t& offset, uint64_t& size_bytes) {
  offset = file_size_bytes();
  size_bytes = contents.size();
  pending_.append(contents);
  put_fixed32(pending_, crc32c::mask(crc32c::value(contents)));
  if (pending_.size() >= kWriteBufferBytes) return write_pending();
  return Status();
}

Status SstableBuilder::write_pending() {
  Status appended = file_->append(pending_);
  pending_.clear();  // a failed table is abandoned whole: nothing to keep
  release_if_large(pending_);
  return appended;
}

Status SstableBuilder::flush_data_block() {
  if (format_version_ != 1 && !block_.empty()) data_block_ = block_.finish();
  if (data_block_.empty()) return Status();
  uint64_t offset = 0, size_bytes = 0;
  RINGKV_RETURN_IF_ERROR(write_block(data_block_, offset, size_bytes));
  put_length_prefixed(index_block_, last_key_);
  put_varint64(index_block_, offset);
  put_varint64(index_block_, size_bytes);
  data_block_.clear();
  return Status();
}

Status SstableBuilder::finish() {
  RINGKV_ASSERT(!finished_);
  finished_ = true;
  RINGKV_RETURN_IF_ERROR(flush_data_block());
  uint64_t filter_offset = 0, filter_size = 0, index_offset = 0, index_size = 0;
  std::string filter = bloom_.finish();
  RINGKV_RETURN_IF_ERROR(write_block(filter, filter_offset, filter_size));
  RINGKV_RETURN_IF_ERROR(write_block(index_block_, index_offset, index_size));
  std::string footer;
  put_fixed64(footer, filter_offset);
  put_fixed64(footer, filter_size);
  put_fixed64(footer, index_offset);
  put_fixed64(footer, index_size);
  put_fixed64(footer, entry_count_);
  put_fixed32(footer, format_version_);
  put_fixed32(footer, crc32c::mask(crc32c::value(footer)));
  put_fixed64(footer, storage_format::kTableMagic);
  RINGKV_ASSERT(footer.size() == storage_format::kTableFooterBytes);
  pending_.append(footer);
  RINGKV_RETURN_IF_ERROR(write_pending());
  return file_->sync();
}

}  // namespace ringkv
