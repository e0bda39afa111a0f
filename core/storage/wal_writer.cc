#include "core/storage/wal_writer.h"

#include <algorithm>

#include "core/storage/coding.h"
#include "core/storage/crc32c.h"
#include "core/storage/storage_format.h"

namespace ringkv {

std::string encode_wal_header() {
  std::string header;
  put_fixed64(header, storage_format::kWalMagic);
  put_fixed32(header, storage_format::kWalFormatVersion);
  RINGKV_ASSERT(header.size() == storage_format::kWalHeaderBytes);
  return header;
}

void append_wal_frame(std::string& out, std::string_view payload) {
  const size_t start = out.size();
  put_fixed32(out, static_cast<uint32_t>(payload.size()));
  const uint32_t crc = crc32c::extend(crc32c::value(std::string_view(out).substr(start)), payload);
  put_fixed32(out, crc32c::mask(crc));
  out.append(payload);
}

std::string encode_wal_frame(std::string_view payload) {
  std::string frame;
  append_wal_frame(frame, payload);
  return frame;
}

WalWriter::WalWriter(std::unique_ptr<WritableFile> file, std::string path, size_t buffer_bytes)
    : file_(std::move(file)), path_(std::move(path)), buffer_bytes_(buffer_bytes) {}

Result<std::unique_ptr<WalWriter>> WalWriter::create(Env& env, const std::string& dir,
                                                     const std::string& name,
                                                     size_t buffer_bytes) {
  std::string path = join_path(dir, name);
  auto file = env.create_file(path);
  if (!file.ok()) return file.status();
  RINGKV_RETURN_IF_ERROR((*file)->append(encode_wal_header()));
  RINGKV_RETURN_IF_ERROR((*file)->sync());
  RINGKV_RETURN_IF_ERROR(env.sync_dir(dir));
  std::unique_ptr<WalWriter> writer(new WalWriter(std::move(*file), path, buffer_bytes));
  writer->synced_bytes_ = writer->file_->size_bytes();
  return writer;
}

Status WalWriter::add_record(std::string_view payload) {
  RINGKV_RETURN_IF_ERROR(poisoned_);
  if (payload.empty() || payload.size() > storage_format::kMaxWalRecordBytes) {
    return Status::invalid_argument("WAL record of " + std::to_string(payload.size()) +
                                    " bytes is outside 1..kMaxWalRecordBytes");
  }
  const size_t frame_bytes = storage_format::kWalFrameHeaderBytes + payload.size();
  if (!buffer_.empty() && buffer_.size() + frame_bytes > buffer_bytes_) {
    RINGKV_RETURN_IF_ERROR(write_out());  // no room: this record is refused
  }
  if (buffer_bytes_ > 0 && size_bytes() + frame_bytes > reserved_end_bytes_) {
    // Claim the disk space the buffer will need before taking the record, so that a full
    // disk refuses this record rather than a later write-out of records already accepted.
    const uint64_t claim = buffer_.size() + std::max(frame_bytes, buffer_bytes_);
    RINGKV_RETURN_IF_ERROR(file_->reserve(claim));
    reserved_end_bytes_ = file_->size_bytes() + claim;
  }
  append_wal_frame(buffer_, payload);
  if (buffer_.size() < buffer_bytes_) return Status();
  // Written through: no buffer, or a buffer this record filled.
  Status written = write_out();
  if (!written.ok()) buffer_.resize(buffer_.size() - frame_bytes);  // refused
  return written;
}

Status WalWriter::write_out() {
  RINGKV_RETURN_IF_ERROR(poisoned_);
  if (buffer_.empty()) return Status();
  const uint64_t size_before = file_->size_bytes();
  Status appended = file_->append(buffer_);
  if (appended.ok()) {
    buffer_.clear();  // keeps its capacity: no allocation per record
    release_if_large(buffer_);
    return appended;
  }
  if (file_->size_bytes() != size_before) {
    Status cut = file_->truncate(size_before);
    if (!cut.ok()) poisoned_ = Status::io_error("WAL " + path_ + " unusable: " + cut.message());
  }
  return appended;
}

Result<WalWriter::DetachedSync> WalWriter::begin_detached_sync() {
  RINGKV_RETURN_IF_ERROR(poisoned_);
  if (!has_unsynced_records()) return DetachedSync{};
  RINGKV_RETURN_IF_ERROR(write_out());
  return DetachedSync{file_->detached_sync(), file_->size_bytes()};
}

Status WalWriter::finish_detached_sync(uint64_t covers_bytes) {
  RINGKV_RETURN_IF_ERROR(poisoned_);
  synced_bytes_ = std::max(synced_bytes_, covers_bytes);
  return Status();
}

Status WalWriter::sync() {
  RINGKV_RETURN_IF_ERROR(poisoned_);
  if (!has_unsynced_records()) return Status();
  RINGKV_RETURN_IF_ERROR(write_out());
  Status synced = file_->sync();
  if (!synced.ok()) {
    // After a failed fsync the kernel may have dropped the dirty pages: never retry it.
    poisoned_ =
        Status::io_error("WAL " + path_ + " unusable after failed sync: " + synced.message());
    return synced;
  }
  synced_bytes_ = file_->size_bytes();
  return Status();
}

}  // namespace ringkv
