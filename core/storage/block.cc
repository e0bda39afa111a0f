#include "core/storage/block.h"

#include "core/storage/storage_format.h"

namespace ringkv {

void BlockBuilder::add(std::string_view key, const RecordView& record) {
  size_t shared = 0;
  if (entries_ % storage_format::kRestartInterval == 0) {
    restarts_.push_back(static_cast<uint32_t>(buffer_.size()));
  } else {
    const size_t limit = std::min(last_key_.size(), key.size());
    while (shared < limit && last_key_[shared] == key[shared]) ++shared;
  }
  put_varint64(buffer_, shared);
  put_varint64(buffer_, key.size() - shared);
  buffer_.append(key.substr(shared));
  buffer_.push_back(static_cast<char>(record.kind));
  encode_record_body(buffer_, record);
  last_key_.assign(key);
  ++entries_;
}

std::string BlockBuilder::finish() {
  for (uint32_t offset : restarts_) put_fixed32(buffer_, offset);
  put_fixed32(buffer_, static_cast<uint32_t>(restarts_.size()));
  std::string contents = std::move(buffer_);
  buffer_.clear();
  restarts_.clear();
  last_key_.clear();
  entries_ = 0;
  return contents;
}

Result<std::shared_ptr<const Block>> Block::parse(std::string contents, uint32_t format_version) {
  auto block = std::make_shared<Block>(Passkey(), std::move(contents), format_version);
  const std::string& bytes = block->contents_;
  if (format_version == 1) {
    block->entries_end_ = bytes.size();
    if (bytes.empty()) return Status::corruption("empty data block");
    return std::shared_ptr<const Block>(std::move(block));
  }
  if (bytes.size() < 4) return Status::corruption("data block shorter than its restart count");
  const uint32_t count = decode_fixed32(bytes.data() + bytes.size() - 4);
  if (count == 0 || count > (bytes.size() - 4) / 4) {
    return Status::corruption("bad restart count in data block");
  }
  block->restart_count_ = count;
  block->entries_end_ = bytes.size() - 4 - size_t{count} * 4;
  if (block->entries_end_ == 0) return Status::corruption("empty data block");
  uint32_t previous = 0;
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t offset = block->restart_offset(i);
    if (offset >= block->entries_end_ || (i == 0 && offset != 0) || (i > 0 && offset <= previous)) {
      return Status::corruption("bad restart offset in data block");
    }
    previous = offset;
  }
  return std::shared_ptr<const Block>(std::move(block));
}

uint32_t Block::restart_offset(uint32_t index) const {
  return decode_fixed32(contents_.data() + entries_end_ + size_t{index} * 4);
}

Status BlockCursor::decode_at_offset() {
  const Block& block = *block_;
  if (offset_ >= block.entries_end_) {
    valid_ = false;
    return Status();
  }
  valid_ = false;  // until the entry decodes
  Decoder decoder(std::string_view(block.contents_).substr(offset_, block.entries_end_ - offset_));
  const size_t available = decoder.remaining_bytes();
  // Format 1: kind, whole key, body. Format 2: shared, unshared, key suffix, kind, body;
  // both keys start with the shared bytes, so the new key is larger iff its suffix is
  // larger than the rest of the previous key.
  uint64_t shared = 0, unshared = 0;
  std::string_view suffix;
  const bool decoded =
      block.format_version_ == 1
          ? decoder.get_u8(view_.kind) &&
                decoder.get_length_prefixed(suffix, storage_format::kMaxStoredKeyBytes) &&
                decode_record_body(decoder, view_)
          : decoder.get_varint64(shared) && decoder.get_varint64(unshared) &&
                shared <= key_.size() &&
                shared + unshared <= storage_format::kMaxStoredKeyBytes &&
                decoder.get_bytes(unshared, suffix) && decoder.get_u8(view_.kind) &&
                decode_record_body(decoder, view_);
  if (!decoded) return Status::corruption("malformed record");
  if (offset_ > 0 && suffix <= std::string_view(key_).substr(shared)) {
    return Status::corruption("keys out of order");
  }
  key_.resize(shared);
  key_.append(suffix);
  offset_ += available - decoder.remaining_bytes();
  valid_ = true;
  return Status();
}

Status BlockCursor::seek_to_first() {
  offset_ = 0;
  key_.clear();
  return decode_at_offset();
}

Status BlockCursor::next() {
  RINGKV_ASSERT(valid_);
  return decode_at_offset();
}

Status BlockCursor::seek_to_restart(uint32_t index) {
  offset_ = block_->restart_offset(index);
  key_.clear();
  return decode_at_offset();
}

Status BlockCursor::seek(std::string_view target) {
  const Block& block = *block_;
  if (block.format_version_ == 2) {
    // The last restart whose key is < target; the answer lies in its interval or the next.
    uint32_t low = 0, high = block.restart_count_;
    while (high - low > 1) {
      const uint32_t middle = low + (high - low) / 2;
      RINGKV_RETURN_IF_ERROR(seek_to_restart(middle));
      if (key_ < target) {
        low = middle;
      } else {
        high = middle;
      }
    }
    RINGKV_RETURN_IF_ERROR(seek_to_restart(low));
  } else {
    RINGKV_RETURN_IF_ERROR(seek_to_first());
  }
  while (valid_ && key_ < target) RINGKV_RETURN_IF_ERROR(next());
  return Status();
}

}  // namespace ringkv
