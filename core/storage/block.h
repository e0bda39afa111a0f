// Data blocks of an SSTable, in both table formats (grammar in docs/storage.md):
//   format 1: record+ (each key whole; read front to back);
//   format 2: entries with prefix-compressed keys, a restart point (a whole key) every
//             kRestartInterval entries, the restart offsets and their count at the end, so a
//             lookup binary-searches the restarts and decodes at most one interval.
// BlockBuilder writes format 2. Block holds one checksummed block (what the block cache
// keeps); BlockCursor walks it and reports malformed bytes as corruption, never garbage.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/storage/coding.h"
#include "core/storage/stored_record.h"

namespace ringkv {

class BlockBuilder {
 public:
  void add(std::string_view key, const RecordView& record);
  // The block's contents (entries, restart array, count); the builder is empty after.
  std::string finish();
  size_t size_estimate() const { return buffer_.size() + (restarts_.size() + 1) * 4; }
  bool empty() const { return entries_ == 0; }

 private:
  std::string buffer_;
  std::vector<uint32_t> restarts_;
  std::string last_key_;
  size_t entries_ = 0;
};

class Block {
 public:
  // Checks the restart array (format 2); the entries are checked as they are read.
  static Result<std::shared_ptr<const Block>> parse(std::string contents,
                                                    uint32_t format_version);
  // Bytes this block holds in memory (the block cache's charge).
  size_t charge() const { return contents_.capacity() + sizeof(Block); }
  uint32_t format_version() const { return format_version_; }

  class Passkey {  // only parse() constructs (make_shared needs a public constructor)
    friend class Block;
    Passkey() = default;
  };
  Block(Passkey, std::string contents, uint32_t format_version)
      : contents_(std::move(contents)), format_version_(format_version) {}

 private:
  friend class BlockCursor;
  uint32_t restart_offset(uint32_t index) const;

  std::string contents_;
  uint32_t format_version_;
  size_t entries_end_ = 0;  // format 2: where the restart array starts
  uint32_t restart_count_ = 0;
};

// A forward cursor over one block. key() and view() stay valid until the cursor moves;
// view().key is not set (the key is key()).
class BlockCursor {
 public:
  explicit BlockCursor(std::shared_ptr<const Block> block) : block_(std::move(block)) {}

  Status seek_to_first();
  // Positions at the first key >= target (invalid if none).
  Status seek(std::string_view target);
  Status next();
  bool valid() const { return valid_; }
  std::string_view key() const { return key_; }
  const RecordView& view() const { return view_; }

 private:
  // Decodes the entry at offset_ into key_/view_ (format 2: key_ must hold the previous
  // key, or anything at a restart point).
  Status decode_at_offset();
  Status seek_to_restart(uint32_t index);

  std::shared_ptr<const Block> block_;
  size_t offset_ = 0;       // next entry to decode
  std::string key_;
  RecordView view_;
  bool valid_ = false;
};

}  // namespace ringkv
