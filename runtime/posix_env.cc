#include "runtime/posix_env.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ringkv {
namespace {

Status errno_status(const std::string& operation, const std::string& path, int error) {
  std::string message = operation + " " + path + ": " + std::strerror(error);
  if (error == ENOSPC || error == EDQUOT) return Status::no_space(message);
  if (error == ENOENT) return Status::not_found(message);
  return Status::io_error(message);
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(int fd, std::string path, uint64_t size_bytes)
      : fd_(fd), path_(std::move(path)), size_bytes_(size_bytes) {}

  Status append(std::string_view data) override {
    while (!data.empty()) {
      ssize_t written =
          ::pwrite(fd_.get(), data.data(), data.size(), static_cast<off_t>(size_bytes_));
      if (written < 0) {
        if (errno == EINTR) continue;
        return errno_status("write", path_, errno);
      }
      size_bytes_ += static_cast<uint64_t>(written);
      data.remove_prefix(static_cast<size_t>(written));
    }
    return Status();
  }
  Status sync() override {
    if (::fdatasync(fd_.get()) != 0) return errno_status("fdatasync", path_, errno);
    return Status();
  }
  // fdatasync of a dup() of the descriptor: the same open file, kept alive by the copy.
  std::function<Status()> detached_sync() override {
    int copy = ::dup(fd_.get());
    if (copy < 0) return {};
    auto descriptor = std::make_shared<FileDescriptor>(copy);
    return [descriptor, path = path_]() -> Status {
      if (::fdatasync(descriptor->get()) != 0) return errno_status("fdatasync", path, errno);
      return Status();
    };
  }
  uint64_t size_bytes() const override { return size_bytes_; }
  // fallocate(FALLOC_FL_KEEP_SIZE): the blocks are claimed, the size stays. A file system
  // without fallocate claims nothing (ok): a full disk then shows at the append.
  Status reserve(uint64_t bytes) override {
    if (bytes == 0) return Status();
    while (::fallocate(fd_.get(), FALLOC_FL_KEEP_SIZE, static_cast<off_t>(size_bytes_),
                       static_cast<off_t>(bytes)) != 0) {
      if (errno == EINTR) continue;
      if (errno == EOPNOTSUPP || errno == ENOSYS) return Status();
      return errno_status("fallocate", path_, errno);
    }
    return Status();
  }
  Status truncate(uint64_t size_bytes) override {
    if (::ftruncate(fd_.get(), static_cast<off_t>(size_bytes)) != 0) {
      return errno_status("ftruncate", path_, errno);
    }
    size_bytes_ = size_bytes;
    return Status();
  }

 private:
  FileDescriptor fd_;
  std::string path_;
  uint64_t size_bytes_;
};

class PosixReadableFile final : public ReadableFile {
 public:
  PosixReadableFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

  Status read_at(uint64_t offset, size_t length, std::string* out) override {
    out->resize(length);
    size_t done = 0;
    while (done < length) {
      ssize_t got =
          ::pread(fd_.get(), out->data() + done, length - done, static_cast<off_t>(offset + done));
      if (got < 0) {
        if (errno == EINTR) continue;
        return errno_status("read", path_, errno);
      }
      if (got == 0) break;  // end of file
      done += static_cast<size_t>(got);
    }
    out->resize(done);
    return Status();
  }
  Result<uint64_t> size_bytes() override {
    struct stat info;
    if (::fstat(fd_.get(), &info) != 0) return errno_status("fstat", path_, errno);
    return static_cast<uint64_t>(info.st_size);
  }

 private:
  FileDescriptor fd_;
  std::string path_;
};

Result<std::unique_ptr<WritableFile>> open_writable(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status("open", path, errno);
  struct stat info;
  if (::fstat(fd, &info) != 0) {
    int error = errno;
    ::close(fd);
    return errno_status("fstat", path, error);
  }
  return std::unique_ptr<WritableFile>(
      new PosixWritableFile(fd, path, static_cast<uint64_t>(info.st_size)));
}

}  // namespace

Result<std::unique_ptr<WritableFile>> PosixEnv::create_file(const std::string& path) {
  return open_writable(path, O_CREAT | O_TRUNC);
}

Result<std::unique_ptr<WritableFile>> PosixEnv::open_for_append(const std::string& path) {
  return open_writable(path, 0);
}

Result<std::unique_ptr<ReadableFile>> PosixEnv::open_for_read(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_status("open", path, errno);
  return std::unique_ptr<ReadableFile>(new PosixReadableFile(fd, path));
}

Result<std::vector<std::string>> PosixEnv::list(const std::string& dir) {
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr) return errno_status("opendir", dir, errno);
  std::vector<std::string> names;
  while (struct dirent* item = ::readdir(handle)) {
    std::string name = item->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  ::closedir(handle);
  std::sort(names.begin(), names.end());
  return names;
}

Status PosixEnv::rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return errno_status("rename", from, errno);
  return Status();
}

Status PosixEnv::remove(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return errno_status("unlink", path, errno);
  return Status();
}

Status PosixEnv::sync_dir(const std::string& dir) {
  FileDescriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return errno_status("open", dir, errno);
  if (::fsync(fd.get()) != 0) return errno_status("fsync", dir, errno);
  return Status();
}

Status PosixEnv::create_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return errno_status("mkdir", dir, errno);
  return Status();
}

}  // namespace ringkv
