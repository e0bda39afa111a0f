// storage_bench: LsmStore (PosixEnv) and leveldb side by side on the same workloads, in the
// same run. Phases (each engine runs them all, in this order):
//   write       --write-n puts of random keys, a sync every --batch puts (group commit),
//               on a fresh store;
//   fillrandom  --n puts of random keys, no sync, on a second fresh store;
//   readrandom  --n gets of random keys written by fillrandom (every get must find its key);
//   scan        one full scan of the fillrandom store.
// Output: one line per engine and phase, `ENGINE PHASE N ops/s` (N an integer; a scan's
// ops are keys visited); details go on lines starting with '#'. Runs in a fresh temporary
// directory under /tmp unless --dir is given, and removes what it created.
#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/prng.h"
#include "core/storage/lsm_store.h"
#include "runtime/posix_env.h"

namespace {

// Bounds on what the flags may ask for (the key and read-order arrays live in memory).
constexpr uint64_t kMaxOperations = 50'000'000;
constexpr uint64_t kMaxValueBytes = 1 << 20;

struct BenchOptions {
  std::string dir;
  uint64_t write_operations = 100'000;
  uint64_t fill_operations = 1'000'000;
  uint64_t value_bytes = 100;
  uint64_t sync_batch = 100;
  uint64_t block_cache_bytes = ringkv::LsmOptions().block_cache_bytes;
  std::set<std::string> engines{"ringkv", "leveldb"};
};

struct Keys {
  std::vector<std::string> keys;  // in write order
  std::vector<uint32_t> read_order;
};

Keys make_keys(uint64_t count, uint64_t seed, bool with_reads) {
  ringkv::Prng prng(seed);
  Keys out;
  out.keys.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    char key[32];
    std::snprintf(key, sizeof key, "key-%016llx", static_cast<unsigned long long>(prng.next_u64()));
    out.keys.emplace_back(key);
  }
  if (with_reads) {
    out.read_order.reserve(count);
    for (uint64_t i = 0; i < count; ++i) {
      out.read_order.push_back(static_cast<uint32_t>(prng.uniform(count)));
    }
  }
  return out;
}

class Timer {
 public:
  Timer() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

void report(const char* engine, const char* phase, uint64_t operations, double seconds) {
  std::printf("%s %s %llu ops/s\n", engine, phase,
              static_cast<unsigned long long>(double(operations) / seconds));
  std::printf("# %s %s: %llu ops in %.3f s\n", engine, phase,
              static_cast<unsigned long long>(operations), seconds);
  std::fflush(stdout);
}

bool fail(const char* engine, const char* phase, const std::string& why) {
  std::fprintf(stderr, "storage_bench: %s %s failed: %s\n", engine, phase, why.c_str());
  return false;
}

// --- ringkv ---

class RingkvEngine {
 public:
  explicit RingkvEngine(const BenchOptions& options) : options_(options) {}

  bool open(const std::string& dir) {
    ringkv::LsmOptions lsm;
    lsm.block_cache_bytes = options_.block_cache_bytes;
    auto opened = ringkv::LsmStore::open(env_, dir, lsm);
    if (!opened.ok()) return fail("ringkv", "open", opened.status().to_string());
    store_ = std::move(*opened);
    return true;
  }
  void close() {
    if (running_.valid()) (void)store_->finish_compaction(running_.get());
    store_.reset();
  }

  // Compactions run as kvnode runs them: whole, on another thread, installed by the store's
  // thread once done (checked every 64 operations, as the node checks at each loop turn).
  bool tend_compaction(const char* phase) {
    if (running_.valid()) {
      if (running_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return true;
      ringkv::Status finished = store_->finish_compaction(running_.get());
      if (!finished.ok()) return fail("ringkv", phase, finished.to_string());
    }
    if (!store_->compaction_pending()) return true;
    auto job = store_->begin_compaction();
    if (!job.ok()) return fail("ringkv", phase, job.status().to_string());
    if (job->run) running_ = std::async(std::launch::async, std::move(job->run));
    return true;
  }

  bool put_all(const Keys& keys, const std::string& value, uint64_t sync_every,
               const char* phase) {
    for (uint64_t i = 0; i < keys.keys.size(); ++i) {
      ringkv::Entry entry{ringkv::Version{i + 1, "n1"}, false, value};
      auto applied = store_->apply(keys.keys[i], entry);
      if (!applied.ok()) return fail("ringkv", phase, applied.status().to_string());
      if (sync_every && (i + 1) % sync_every == 0) {
        ringkv::Status synced = store_->sync();
        if (!synced.ok()) return fail("ringkv", phase, synced.to_string());
      }
      if (i % 64 == 0 && !tend_compaction(phase)) return false;
    }
    if (sync_every) {
      ringkv::Status synced = store_->sync();
      if (!synced.ok()) return fail("ringkv", phase, synced.to_string());
    }
    return true;
  }

  bool get_all(const Keys& keys) {
    uint64_t done = 0;
    for (uint32_t index : keys.read_order) {
      if (done++ % 64 == 0 && !tend_compaction("readrandom")) return false;
      auto got = store_->get(keys.keys[index]);
      if (!got.ok()) return fail("ringkv", "readrandom", got.status().to_string());
      if (!got->has_value()) return fail("ringkv", "readrandom", "a written key was not found");
    }
    return true;
  }

  bool scan_all(uint64_t& visited) {
    visited = 0;
    ringkv::Status scanned = store_->scan("", [&](std::string_view, const ringkv::Entry&) {
      ++visited;
      return true;
    });
    if (!scanned.ok()) return fail("ringkv", "scan", scanned.to_string());
    return true;
  }

  void describe() const {
    ringkv::LsmStats stats = store_->stats();
    std::printf("# ringkv: %llu tables, %llu table bytes, block cache %llu/%llu bytes, "
                "%llu hits, %llu misses, %llu blocks not admitted; %llu flushes, %llu "
                "compactions rewrote %llu entries\n",
                static_cast<unsigned long long>(stats.table_count),
                static_cast<unsigned long long>(stats.table_bytes),
                static_cast<unsigned long long>(stats.block_cache_bytes),
                static_cast<unsigned long long>(options_.block_cache_bytes),
                static_cast<unsigned long long>(stats.block_cache_hits),
                static_cast<unsigned long long>(stats.block_cache_misses),
                static_cast<unsigned long long>(stats.block_cache_not_admitted),
                static_cast<unsigned long long>(stats.flushes),
                static_cast<unsigned long long>(stats.compactions),
                static_cast<unsigned long long>(stats.compacted_entries));
  }

 private:
  const BenchOptions& options_;
  ringkv::PosixEnv env_;
  std::unique_ptr<ringkv::LsmStore> store_;
  std::future<ringkv::Status> running_;  // the detached compaction under way
};

// --- leveldb (Debian's 1.23: 10 bits/key bloom filter, its default 8 MiB block cache) ---

class LeveldbEngine {
 public:
  LeveldbEngine() : filter_(leveldb::NewBloomFilterPolicy(10)) {}

  bool open(const std::string& dir) {
    leveldb::Options options;
    options.create_if_missing = true;
    options.filter_policy = filter_.get();
    leveldb::DB* raw = nullptr;
    leveldb::Status status = leveldb::DB::Open(options, dir, &raw);
    if (!status.ok()) return fail("leveldb", "open", status.ToString());
    db_.reset(raw);
    return true;
  }
  void close() { db_.reset(); }

  bool put_all(const Keys& keys, const std::string& value, uint64_t sync_every,
               const char* phase) {
    leveldb::WriteOptions unsynced, synced;
    synced.sync = true;
    for (uint64_t i = 0; i < keys.keys.size(); ++i) {
      bool sync_now = sync_every && ((i + 1) % sync_every == 0 || i + 1 == keys.keys.size());
      leveldb::Status status = db_->Put(sync_now ? synced : unsynced, keys.keys[i], value);
      if (!status.ok()) return fail("leveldb", phase, status.ToString());
    }
    return true;
  }

  bool get_all(const Keys& keys) {
    std::string value;
    for (uint32_t index : keys.read_order) {
      leveldb::Status status = db_->Get(leveldb::ReadOptions(), keys.keys[index], &value);
      if (!status.ok()) return fail("leveldb", "readrandom", status.ToString());
    }
    return true;
  }

  bool scan_all(uint64_t& visited) {
    visited = 0;
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++visited;
    if (!it->status().ok()) return fail("leveldb", "scan", it->status().ToString());
    return true;
  }

  void describe() const {}

 private:
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
  std::unique_ptr<leveldb::DB> db_;
};

template <typename Engine>
bool run_engine(const char* name, Engine& engine, const BenchOptions& options,
                const Keys& write_keys, const Keys& fill_keys, const std::string& value) {
  const std::string base = options.dir + "/" + name;
  if (!engine.open(base + "-write")) return false;
  Timer writes;
  if (!engine.put_all(write_keys, value, options.sync_batch, "write")) return false;
  report(name, "write", write_keys.keys.size(), writes.seconds());
  engine.close();

  if (!engine.open(base + "-fill")) return false;
  Timer fill;
  if (!engine.put_all(fill_keys, value, 0, "fillrandom")) return false;
  report(name, "fillrandom", fill_keys.keys.size(), fill.seconds());
  Timer reads;
  if (!engine.get_all(fill_keys)) return false;
  report(name, "readrandom", fill_keys.read_order.size(), reads.seconds());
  Timer scan;
  uint64_t visited = 0;
  if (!engine.scan_all(visited)) return false;
  report(name, "scan", visited, scan.seconds());
  engine.describe();
  engine.close();
  return true;
}

void remove_tree(const std::string& path) {
  std::string command = "rm -rf -- '" + path + "'";  // a directory this run created
  if (std::system(command.c_str()) != 0) {
    std::fprintf(stderr, "storage_bench: could not remove %s\n", path.c_str());
  }
}

constexpr const char* kUsage =
    "usage: storage_bench [--dir D] [--n N] [--write-n N] [--value BYTES]\n"
    "                     [--batch PUTS] [--block-cache-bytes BYTES]\n"
    "                     [--engine ringkv|leveldb]\n"
    "  --n        puts in fillrandom and gets in readrandom (default 1000000)\n"
    "  --write-n  puts in write, synced every --batch puts (default 100000)\n"
    "Prints one line per engine and phase: ENGINE PHASE N ops/s.\n";

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "storage_bench: %s\n%s", why, kUsage);
  std::exit(2);
}

uint64_t parse_count(const char* flag, const char* text, uint64_t min, uint64_t max) {
  char* end = nullptr;
  errno = 0;
  unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || value < min ||
      value > max) {
    std::string why = std::string(flag) + " wants an integer in [" + std::to_string(min) +
                      ", " + std::to_string(max) + "], not '" + text + "'";
    usage(why.c_str());
  }
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  BenchOptions options;
  for (int i = 1; i < argc; i += 2) {
    const char* flag = argv[i];
    if (!std::strcmp(flag, "--help") || !std::strcmp(flag, "-h")) {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (i + 1 >= argc) usage((std::string(flag) + " needs a value").c_str());
    const char* value = argv[i + 1];
    if (!std::strcmp(flag, "--dir")) {
      options.dir = value;
    } else if (!std::strcmp(flag, "--n")) {
      options.fill_operations = parse_count(flag, value, 1, kMaxOperations);
    } else if (!std::strcmp(flag, "--write-n")) {
      options.write_operations = parse_count(flag, value, 1, kMaxOperations);
    } else if (!std::strcmp(flag, "--value")) {
      options.value_bytes = parse_count(flag, value, 0, kMaxValueBytes);
    } else if (!std::strcmp(flag, "--batch")) {
      options.sync_batch = parse_count(flag, value, 1, kMaxOperations);
    } else if (!std::strcmp(flag, "--block-cache-bytes")) {
      options.block_cache_bytes = parse_count(flag, value, 0, uint64_t(1) << 40);
    } else if (!std::strcmp(flag, "--engine")) {
      if (std::strcmp(value, "ringkv") && std::strcmp(value, "leveldb")) {
        usage("--engine is ringkv or leveldb");
      }
      options.engines = {value};
    } else {
      usage((std::string("unknown flag ") + flag).c_str());
    }
  }
  bool temporary = options.dir.empty();
  if (temporary) {
    char pattern[] = "/tmp/ringkv-storage-bench-XXXXXX";
    if (!::mkdtemp(pattern)) usage("could not create a directory under /tmp");
    options.dir = pattern;
  }
  Keys write_keys = make_keys(options.write_operations, 42, false);
  Keys fill_keys = make_keys(options.fill_operations, 43, true);
  std::string value(options.value_bytes, 'v');
  std::printf("# write: %llu puts, sync every %llu; fillrandom/readrandom: %llu puts/gets; "
              "%llu-byte values, 20-byte keys\n",
              static_cast<unsigned long long>(options.write_operations),
              static_cast<unsigned long long>(options.sync_batch),
              static_cast<unsigned long long>(options.fill_operations),
              static_cast<unsigned long long>(options.value_bytes));
  bool ok = true;
  if (options.engines.count("ringkv")) {
    RingkvEngine engine(options);
    ok = run_engine("ringkv", engine, options, write_keys, fill_keys, value);
  }
  if (ok && options.engines.count("leveldb")) {
    LeveldbEngine engine;
    ok = run_engine("leveldb", engine, options, write_keys, fill_keys, value);
  }
  if (temporary) {
    remove_tree(options.dir);
  } else {
    for (const char* name : {"ringkv", "leveldb"}) {
      for (const char* phase : {"-write", "-fill"}) remove_tree(options.dir + "/" + name + phase);
    }
  }
  return ok ? 0 : 1;
}
