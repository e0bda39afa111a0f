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

WalWriter::WalWriter(std::unique_ptr<WritableFile> file, std::string path)
    : file_(std::move(file)), path_(std::move(path)) {}

Result<std::unique_ptr<WalWriter>> WalWriter::create(Env& env, const std::string& dir,
                                                     const std::string& name) {
  std::string path = join_path(dir, name);
  auto file = env.create_file(path);
  if (!file.ok()) return file.status();
  RINGKV_RETURN_IF_ERROR((*file)->append(encode_wal_header()));
  RINGKV_RETURN_IF_ERROR((*file)->sync());
  RINGKV_RETURN_IF_ERROR(env.sync_dir(dir));
  std::unique_ptr<WalWriter> writer(new WalWriter(std::move(*file), path));
  writer->synced_bytes_ = writer->file_->size_bytes();
  return writer;
}

Status WalWriter::add_record(std::string_view payload) {
  RINGKV_RETURN_IF_ERROR(poisoned_);
  if (payload.empty() || payload.size() > storage_format::kMaxWalRecordBytes) {
    return Status::invalid_argument("WAL record of " + std::to_string(payload.size()) +
                                    " bytes is outside 1..kMaxWalRecordBytes");
  }
  uint64_t size_before = file_->size_bytes();
  frame_.clear();  // keeps its capacity: no allocation per record
  append_wal_frame(frame_, payload);
  Status appended = file_->append(frame_);
  release_if_large(frame_);
  if (appended.ok()) return appended;
  if (file_->size_bytes() != size_before) {
    Status cut = file_->truncate(size_before);
    if (!cut.ok()) poisoned_ = Status::io_error("WAL " + path_ + " unusable: " + cut.message());
  }
  return appended;
}

WalWriter::DetachedSync WalWriter::begin_detached_sync() {
  if (!poisoned_.ok() || !has_unsynced_records()) return {};
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
