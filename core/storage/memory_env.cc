#include "core/storage/memory_env.h"

#include <algorithm>

namespace ringkv {

struct MemoryEnv::FileState {
  std::string data;
  uint64_t synced_bytes = 0;
  uint64_t reserved_end_bytes = 0;  // reserve(): space claimed up to this offset
  // Space the file takes on the simulated disk.
  uint64_t used_bytes() const { return std::max<uint64_t>(data.size(), reserved_end_bytes); }
};

namespace {

std::string parent_dir(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

class MemoryWritableFile final : public WritableFile {
 public:
  MemoryWritableFile(MemoryEnv& env, std::string path, std::shared_ptr<MemoryEnv::FileState> file)
      : env_(env), path_(std::move(path)), file_(std::move(file)), generation_(env.generation()) {}

  Status append(std::string_view data) override {
    RINGKV_RETURN_IF_ERROR(gate("append"));
    const uint64_t reserved = file_->used_bytes() - file_->data.size();
    const uint64_t space = env_.space_left_bytes();
    uint64_t fits = std::min<uint64_t>(data.size(), space > UINT64_MAX - reserved
                                                         ? UINT64_MAX
                                                         : space + reserved);
    file_->data.append(data.substr(0, static_cast<size_t>(fits)));
    if (fits < data.size()) {
      env_.count_no_space();
      return Status::no_space("disk full appending to " + path_);
    }
    return Status();
  }
  Status sync() override {
    RINGKV_RETURN_IF_ERROR(gate("sync"));
    file_->synced_bytes = file_->data.size();
    return Status();
  }
  uint64_t size_bytes() const override { return file_->data.size(); }
  Status reserve(uint64_t bytes) override {
    RINGKV_RETURN_IF_ERROR(gate("reserve"));
    const uint64_t end = file_->data.size() + bytes;
    if (end <= file_->used_bytes()) return Status();
    if (end - file_->used_bytes() > env_.space_left_bytes()) {
      env_.count_no_space();
      return Status::no_space("disk full reserving space for " + path_);
    }
    file_->reserved_end_bytes = end;
    return Status();
  }
  // Makes what was appended before this call durable when run, unless the env crashed in
  // between (then io_error): the simulator runs it after a simulated disk delay.
  std::function<Status()> detached_sync() override {
    if (!env_.detached_sync_enabled()) return {};
    return [env = &env_, path = path_, file = file_, generation = generation_,
            covers = file_->data.size()]() -> Status {
      if (env->generation() != generation) return Status::io_error("sync cut by a crash");
      RINGKV_RETURN_IF_ERROR(env->check_mutation("sync", path));
      const uint64_t durable = std::min<uint64_t>(covers, file->data.size());
      file->synced_bytes = std::max(file->synced_bytes, durable);
      return Status();
    };
  }
  Status truncate(uint64_t size_bytes) override {
    RINGKV_RETURN_IF_ERROR(gate("truncate"));
    RINGKV_ASSERT(size_bytes <= file_->data.size());
    file_->data.resize(static_cast<size_t>(size_bytes));
    file_->synced_bytes = std::min(file_->synced_bytes, size_bytes);
    return Status();
  }

 private:
  Status gate(const char* operation) {
    if (env_.generation() != generation_) return Status::io_error("stale handle after crash");
    return env_.check_mutation(operation, path_);
  }

  MemoryEnv& env_;
  std::string path_;
  std::shared_ptr<MemoryEnv::FileState> file_;
  uint64_t generation_;
};

class MemoryReadableFile final : public ReadableFile {
 public:
  MemoryReadableFile(MemoryEnv& env, std::string path, std::shared_ptr<MemoryEnv::FileState> file)
      : env_(env), path_(std::move(path)), file_(std::move(file)), generation_(env.generation()) {}

  Status read_at(uint64_t offset, size_t length, std::string* out) override {
    if (env_.generation() != generation_) return Status::io_error("stale handle after crash");
    RINGKV_RETURN_IF_ERROR(env_.check_read(path_));
    out->clear();
    if (offset < file_->data.size()) {
      *out = file_->data.substr(static_cast<size_t>(offset), length);
    }
    env_.maybe_flip_bit(out);
    return Status();
  }
  Result<uint64_t> size_bytes() override {
    if (env_.generation() != generation_) return Status::io_error("stale handle after crash");
    return static_cast<uint64_t>(file_->data.size());
  }

 private:
  MemoryEnv& env_;
  std::string path_;
  std::shared_ptr<MemoryEnv::FileState> file_;
  uint64_t generation_;
};

}  // namespace

MemoryEnv::MemoryEnv(uint64_t fault_seed) : fault_prng_(fault_seed) {}
MemoryEnv::~MemoryEnv() = default;

Status MemoryEnv::check_mutation(const char* operation, const std::string& path) {
  std::string what = std::string(operation) + " " + path;
  if (faults_.fail_mutations_after) {
    if (*faults_.fail_mutations_after == 0) {
      if (!crash_point_hit_) crash_point_hit_ = what;
      return Status::io_error("injected crash point: " + what);
    }
    --*faults_.fail_mutations_after;
  }
  if (faults_.io_error_permille > 0 && fault_prng_.chance(faults_.io_error_permille)) {
    return Status::io_error("injected I/O error: " + what);
  }
  ++mutation_count_;
  return Status();
}

Status MemoryEnv::check_read(const std::string& path) {
  if (faults_.io_error_permille > 0 && fault_prng_.chance(faults_.io_error_permille)) {
    return Status::io_error("injected I/O error: read " + path);
  }
  return Status();
}

void MemoryEnv::maybe_flip_bit(std::string* data) {
  if (data->empty() || faults_.read_bit_flip_permille == 0) return;
  if (!fault_prng_.chance(faults_.read_bit_flip_permille)) return;
  size_t index = static_cast<size_t>(fault_prng_.uniform(data->size()));
  (*data)[index] = static_cast<char>((*data)[index] ^ (1 << fault_prng_.uniform(8)));
}

uint64_t MemoryEnv::total_bytes() const {
  std::set<const FileState*> seen;
  uint64_t total = 0;
  for (const auto& [path, file] : live_) {
    if (seen.insert(file.get()).second) total += file->used_bytes();
  }
  return total;
}

uint64_t MemoryEnv::space_left_bytes() const {
  if (!faults_.space_budget_bytes) return UINT64_MAX;
  uint64_t used = total_bytes();
  return used >= *faults_.space_budget_bytes ? 0 : *faults_.space_budget_bytes - used;
}

Result<std::unique_ptr<WritableFile>> MemoryEnv::create_file(const std::string& path) {
  RINGKV_RETURN_IF_ERROR(check_mutation("create", path));
  if (!dirs_.contains(parent_dir(path))) return Status::io_error("no such directory: " + path);
  auto file = std::make_shared<FileState>();
  live_[path] = file;  // a new inode: a durable entry under this name keeps the old one
  return std::unique_ptr<WritableFile>(new MemoryWritableFile(*this, path, file));
}

Result<std::unique_ptr<WritableFile>> MemoryEnv::open_for_append(const std::string& path) {
  RINGKV_RETURN_IF_ERROR(check_read(path));
  auto it = live_.find(path);
  if (it == live_.end()) return Status::not_found("no such file: " + path);
  return std::unique_ptr<WritableFile>(new MemoryWritableFile(*this, path, it->second));
}

Result<std::unique_ptr<ReadableFile>> MemoryEnv::open_for_read(const std::string& path) {
  RINGKV_RETURN_IF_ERROR(check_read(path));
  auto it = live_.find(path);
  if (it == live_.end()) return Status::not_found("no such file: " + path);
  return std::unique_ptr<ReadableFile>(new MemoryReadableFile(*this, path, it->second));
}

Result<std::vector<std::string>> MemoryEnv::list(const std::string& dir) {
  RINGKV_RETURN_IF_ERROR(check_read(dir));
  if (!dirs_.contains(dir)) return Status::not_found("no such directory: " + dir);
  std::vector<std::string> names;
  for (const auto& [path, file] : live_) {
    if (parent_dir(path) == dir) names.push_back(path.substr(dir.size() + 1));
  }
  return names;  // std::map order: sorted
}

Status MemoryEnv::rename(const std::string& from, const std::string& to) {
  RINGKV_RETURN_IF_ERROR(check_mutation("rename", from));
  auto it = live_.find(from);
  if (it == live_.end()) return Status::not_found("no such file: " + from);
  auto file = it->second;
  live_.erase(it);
  live_[to] = std::move(file);
  return Status();
}

Status MemoryEnv::remove(const std::string& path) {
  RINGKV_RETURN_IF_ERROR(check_mutation("remove", path));
  if (live_.erase(path) == 0) return Status::not_found("no such file: " + path);
  return Status();
}

Status MemoryEnv::sync_dir(const std::string& dir) {
  RINGKV_RETURN_IF_ERROR(check_mutation("sync_dir", dir));
  std::erase_if(durable_, [&](const auto& item) { return parent_dir(item.first) == dir; });
  for (const auto& [path, file] : live_) {
    if (parent_dir(path) == dir) durable_[path] = file;
  }
  return Status();
}

Status MemoryEnv::create_dir(const std::string& dir) {
  RINGKV_RETURN_IF_ERROR(check_mutation("create_dir", dir));
  dirs_.insert(dir);  // directories themselves are modelled as always durable
  return Status();
}

void MemoryEnv::wipe() {
  live_.clear();
  durable_.clear();
  dirs_.clear();
  faults_ = FaultOptions();
  crash_point_hit_.reset();
  ++generation_;
}

void MemoryEnv::crash(Prng& prng, const CrashOptions& options) {
  FileMap survivors;
  for (const auto& dir : dirs_) {
    bool keep_live = prng.chance(options.unsynced_directory_survival_permille);
    const FileMap& chosen = keep_live ? live_ : durable_;
    for (const auto& [path, file] : chosen) {
      if (parent_dir(path) == dir) survivors[path] = file;
    }
  }
  std::set<FileState*> torn;
  for (auto& [path, file] : survivors) {
    if (!torn.insert(file.get()).second) continue;
    uint64_t unsynced = file->data.size() - file->synced_bytes;
    uint64_t kept = options.tear_unsynced_tail && unsynced > 0 ? prng.uniform(unsynced + 1) : 0;
    file->data.resize(static_cast<size_t>(file->synced_bytes + kept));
    if (kept < unsynced && options.junk_tail_permille > 0 &&
        prng.chance(options.junk_tail_permille)) {
      const uint64_t junk = prng.range(1, unsynced - kept);
      const bool zeros = prng.one_in(2);
      for (uint64_t i = 0; i < junk; ++i) {
        file->data.push_back(zeros ? '\0' : static_cast<char>(prng.uniform(256)));
      }
      ++junk_tails_;
    }
    file->synced_bytes = file->data.size();
    file->reserved_end_bytes = 0;  // what a restart finds is the data
  }
  live_ = survivors;
  durable_ = survivors;
  faults_ = FaultOptions();
  crash_point_hit_.reset();
  ++generation_;
}

void MemoryEnv::set_faults(const FaultOptions& faults) { faults_ = faults; }

bool MemoryEnv::exists(const std::string& path) const { return live_.contains(path); }

std::optional<std::string> MemoryEnv::contents(const std::string& path) const {
  auto it = live_.find(path);
  if (it == live_.end()) return std::nullopt;
  return it->second->data;
}

void MemoryEnv::flip_stored_bit(const std::string& path, uint64_t offset, int bit) {
  auto it = live_.find(path);
  RINGKV_ASSERT(it != live_.end() && offset < it->second->data.size());
  char& byte = it->second->data[static_cast<size_t>(offset)];
  byte = static_cast<char>(byte ^ (1 << bit));
}

}  // namespace ringkv
