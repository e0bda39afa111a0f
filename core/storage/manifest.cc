#include "core/storage/manifest.h"

#include "core/storage/coding.h"
#include "core/storage/crc32c.h"
#include "core/storage/file_names.h"
#include "core/storage/storage_format.h"

namespace ringkv {

// manifest := magic:fixed64 version:fixed32 next_file_number:fixed64 log_number:fixed64
//             table_count:fixed32 table_number:fixed64* crc:fixed32 (masked, over all before)
std::string encode_manifest(const ManifestState& state) {
  std::string bytes;
  put_fixed64(bytes, storage_format::kManifestMagic);
  put_fixed32(bytes, storage_format::kManifestFormatVersion);
  put_fixed64(bytes, state.next_file_number);
  put_fixed64(bytes, state.log_number);
  put_fixed32(bytes, static_cast<uint32_t>(state.table_numbers.size()));
  for (uint64_t number : state.table_numbers) put_fixed64(bytes, number);
  put_fixed32(bytes, crc32c::mask(crc32c::value(bytes)));
  return bytes;
}

Result<ManifestState> decode_manifest(std::string_view bytes) {
  constexpr size_t kCrcBytes = 4;
  if (bytes.size() < kCrcBytes) return Status::corruption("manifest too short");
  std::string_view body = bytes.substr(0, bytes.size() - kCrcBytes);
  if (crc32c::unmask(decode_fixed32(bytes.data() + body.size())) != crc32c::value(body)) {
    return Status::corruption("manifest checksum mismatch");
  }
  Decoder decoder(body);
  uint64_t magic = 0;
  uint32_t version = 0, table_count = 0;
  ManifestState state;
  if (!decoder.get_fixed64(magic) || magic != storage_format::kManifestMagic ||
      !decoder.get_fixed32(version) || version != storage_format::kManifestFormatVersion) {
    return Status::corruption("bad manifest magic or format version");
  }
  if (!decoder.get_fixed64(state.next_file_number) || !decoder.get_fixed64(state.log_number) ||
      !decoder.get_fixed32(table_count) || table_count > storage_format::kMaxManifestTables ||
      decoder.remaining_bytes() != uint64_t{table_count} * 8) {
    return Status::corruption("malformed manifest");
  }
  state.table_numbers.resize(table_count);
  for (auto& number : state.table_numbers) (void)decoder.get_fixed64(number);
  return state;
}

Status write_manifest_temp(Env& env, const std::string& dir, const ManifestState& state) {
  auto file = env.create_file(join_path(dir, kManifestTempFileName));
  if (!file.ok()) return file.status();
  RINGKV_RETURN_IF_ERROR((*file)->append(encode_manifest(state)));
  return (*file)->sync();
}

Status commit_manifest_temp(Env& env, const std::string& dir) {
  RINGKV_RETURN_IF_ERROR(
      env.rename(join_path(dir, kManifestTempFileName), join_path(dir, kManifestFileName)));
  return env.sync_dir(dir);
}

Status write_manifest(Env& env, const std::string& dir, const ManifestState& state) {
  RINGKV_RETURN_IF_ERROR(write_manifest_temp(env, dir, state));
  return commit_manifest_temp(env, dir);
}

Result<std::optional<ManifestState>> read_manifest(Env& env, const std::string& dir) {
  auto names = env.list(dir);
  if (!names.ok()) return names.status();
  bool present = false;
  for (const auto& name : *names) present = present || name == kManifestFileName;
  if (!present) return std::optional<ManifestState>();
  auto bytes = read_whole_file_stable(env, join_path(dir, kManifestFileName));
  if (!bytes.ok()) return bytes.status();
  auto state = decode_manifest(*bytes);
  if (!state.ok()) return state.status();
  return std::optional<ManifestState>(std::move(*state));
}

}  // namespace ringkv
