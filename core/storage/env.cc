#include "core/storage/env.h"

namespace ringkv {

Result<std::string> read_whole_file(Env& env, const std::string& path) {
  auto file = env.open_for_read(path);
  if (!file.ok()) return file.status();
  auto size = (*file)->size_bytes();
  if (!size.ok()) return size.status();
  std::string contents;
  RINGKV_RETURN_IF_ERROR((*file)->read_at(0, static_cast<size_t>(*size), &contents));
  if (contents.size() != *size) return Status::io_error("short read of " + path);
  return contents;
}

Result<std::string> read_whole_file_stable(Env& env, const std::string& path) {
  auto previous = read_whole_file(env, path);
  if (!previous.ok()) return previous;
  for (int attempt = 1; attempt < kMaxStableReadAttempts; ++attempt) {
    auto current = read_whole_file(env, path);
    if (!current.ok()) return current;
    if (*current == *previous) return current;
    previous = std::move(current);
  }
  return Status::io_error("reads of " + path + " never agreed (unstable device)");
}

std::string join_path(const std::string& dir, std::string_view name) {
  std::string path = dir;
  if (!path.empty() && path.back() != '/') path += '/';
  path += name;
  return path;
}

}  // namespace ringkv
