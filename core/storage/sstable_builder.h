// SstableBuilder: writes one immutable SSTable through a WritableFile: data blocks of about
// kTargetDataBlockBytes, then the bloom filter, the index and the footer, each block
// followed by its masked CRC32C. Keys must be added in strictly ascending order. Blocks
// are gathered and written kWriteBufferBytes at a time (one write for many blocks).
// finish() syncs the file; the caller makes its name durable (sync_dir / manifest).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/storage/block.h"
#include "core/storage/bloom_filter.h"
#include "core/storage/coding.h"
#include "core/storage/storage_format.h"
#include "core/storage/env.h"
#include "core/storage/stored_record.h"

namespace ringkv {

class SstableBuilder {
 public:
  // `format_version`: what to write; older formats only for tests of the readers.
  SstableBuilder(std::unique_ptr<WritableFile> file, size_t bloom_bits_per_key,
                 uint32_t format_version = storage_format::kTableFormatVersion);

  Status add(std::string_view key, const RecordView& record);  // record.key is not read
  Status add(std::string_view key, const StoredRecord& record) { return add(key, view_of(record)); }
  Status finish();

  uint64_t entry_count() const { return entry_count_; }
  uint64_t file_size_bytes() const { return file_->size_bytes() + pending_.size(); }

  static constexpr size_t kWriteBufferBytes = 256 << 10;

 private:
  Status write_pending();
  Status flush_data_block();
  // Appends contents + CRC trailer; reports where the contents start and their size.
  Status write_block(std::string& contents, uint64_t& offset, uint64_t& size_bytes);

  std::unique_ptr<WritableFile> file_;
  uint32_t format_version_;
  BloomFilterBuilder bloom_;
  BlockBuilder block_;       // format 2
  std::string data_block_;   // format 1
  std::string index_block_;
  std::string last_key_;
  std::string pending_;  // finished blocks not yet written to the file
  uint64_t entry_count_ = 0;
  bool finished_ = false;
};

}  // namespace ringkv
