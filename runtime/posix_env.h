// PosixEnv: the production Env over POSIX files: write(2) appends, fdatasync(2) for sync,
// fsync(2) on the directory for sync_dir, rename(2), readdir(3). ENOSPC/EDQUOT become
// Status::no_space, other errno values io_error with the path and strerror text.
#pragma once

#include "core/storage/env.h"

namespace ringkv {

class PosixEnv final : public Env {
 public:
  Result<std::unique_ptr<WritableFile>> create_file(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> open_for_append(const std::string& path) override;
  Result<std::unique_ptr<ReadableFile>> open_for_read(const std::string& path) override;
  Result<std::vector<std::string>> list(const std::string& dir) override;
  Status rename(const std::string& from, const std::string& to) override;
  Status remove(const std::string& path) override;
  Status sync_dir(const std::string& dir) override;
  Status create_dir(const std::string& dir) override;
};

}  // namespace ringkv
