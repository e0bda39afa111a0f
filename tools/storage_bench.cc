// storage_bench: a small, honest comparison of LsmStore (PosixEnv) with leveldb on the same
// workload: N puts of random keys with V-byte values, synced every B puts (group commit),
// then N point reads of random written keys, then one full scan. Prints one line per
// engine and phase (ops/s). Usage: storage_bench [--dir D] [--n N] [--value V] [--batch B]
// Runs in a fresh temporary directory under /tmp unless --dir is given; removes it after.
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/write_batch.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/prng.h"
#include "core/storage/lsm_store.h"
#include "runtime/posix_env.h"

namespace {

struct BenchOptions {
  std::string dir;
  uint64_t operations = 100000;
  size_t value_bytes = 100;
  uint64_t sync_batch = 100;
};

struct Workload {
  std::vector<std::string> keys;  // in write order
  std::vector<uint64_t> read_order;
  std::string value;
};

Workload make_workload(const BenchOptions& options) {
  ringkv::Prng prng(42);
  Workload workload;
  for (uint64_t i = 0; i < options.operations; ++i) {
    workload.keys.push_back("key-" + std::to_string(prng.next_u64()));
  }
  for (uint64_t i = 0; i < options.operations; ++i) {
    workload.read_order.push_back(prng.uniform(options.operations));
  }
  workload.value.assign(options.value_bytes, 'v');
  return workload;
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
  std::printf("%-8s %-6s %10.0f ops/s  (%llu ops in %.2f s)\n", engine, phase,
              double(operations) / seconds, static_cast<unsigned long long>(operations), seconds);
}

bool bench_ringkv(const BenchOptions& options, const Workload& workload) {
  ringkv::PosixEnv env;
  auto opened = ringkv::LsmStore::open(env, options.dir + "/ringkv", ringkv::LsmOptions());
  if (!opened.ok()) return std::fprintf(stderr, "%s\n", opened.status().to_string().c_str()), false;
  ringkv::LsmStore& store = **opened;
  Timer writes;
  for (uint64_t i = 0; i < workload.keys.size(); ++i) {
    ringkv::Entry entry{ringkv::Version{i + 1, "n1"}, false, workload.value};
    if (!store.apply(workload.keys[i], entry).ok()) return false;
    if ((i + 1) % options.sync_batch == 0 && !store.sync().ok()) return false;
    if (i % 64 == 0 && store.compaction_pending() && !store.compact_step(1000).ok()) return false;
  }
  if (!store.sync().ok()) return false;
  report("ringkv", "write", workload.keys.size(), writes.seconds());
  Timer reads;
  for (uint64_t index : workload.read_order) {
    auto got = store.get(workload.keys[index]);
    if (!got.ok() || !got->has_value()) return false;
  }
  report("ringkv", "read", workload.read_order.size(), reads.seconds());
  Timer scan;
  uint64_t visited = 0;
  if (!store.scan("", [&](std::string_view, const ringkv::Entry&) { return ++visited > 0; }).ok()) {
    return false;
  }
  report("ringkv", "scan", visited, scan.seconds());
  return true;
}

bool bench_leveldb(const BenchOptions& options, const Workload& workload) {
  leveldb::Options db_options;
  db_options.create_if_missing = true;
  std::unique_ptr<const leveldb::FilterPolicy> filter(leveldb::NewBloomFilterPolicy(10));
  db_options.filter_policy = filter.get();
  leveldb::DB* raw = nullptr;
  if (!leveldb::DB::Open(db_options, options.dir + "/leveldb", &raw).ok()) return false;
  std::unique_ptr<leveldb::DB> db(raw);
  leveldb::WriteOptions unsynced, synced;
  synced.sync = true;
  Timer writes;
  for (uint64_t i = 0; i < workload.keys.size(); ++i) {
    bool sync_now = (i + 1) % options.sync_batch == 0 || i + 1 == workload.keys.size();
    if (!db->Put(sync_now ? synced : unsynced, workload.keys[i], workload.value).ok()) return false;
  }
  report("leveldb", "write", workload.keys.size(), writes.seconds());
  Timer reads;
  std::string value;
  for (uint64_t index : workload.read_order) {
    if (!db->Get(leveldb::ReadOptions(), workload.keys[index], &value).ok()) return false;
  }
  report("leveldb", "read", workload.read_order.size(), reads.seconds());
  Timer scan;
  uint64_t visited = 0;
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++visited;
  report("leveldb", "scan", visited, scan.seconds());
  return true;
}

void remove_tree(const std::string& path) {
  std::string command = "rm -rf -- '" + path + "'";  // a temp dir we created ourselves
  if (std::system(command.c_str()) != 0)
    std::fprintf(stderr, "could not remove %s\n", path.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  BenchOptions options;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--dir"))
      options.dir = argv[i + 1];
    else if (!std::strcmp(argv[i], "--n"))
      options.operations = std::strtoull(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--value"))
      options.value_bytes = std::strtoull(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--batch"))
      options.sync_batch = std::strtoull(argv[i + 1], nullptr, 10);
  }
  if (options.operations == 0 || options.sync_batch == 0) {
    std::fprintf(stderr, "usage: storage_bench [--dir D] [--n N>0] [--value V] [--batch B>0]\n");
    return 1;
  }
  bool temporary = options.dir.empty();
  if (temporary) {
    char pattern[] = "/tmp/ringkv-storage-bench-XXXXXX";
    if (!::mkdtemp(pattern)) return 1;
    options.dir = pattern;
  }
  Workload workload = make_workload(options);
  std::printf("%llu puts of %zu-byte values, sync every %llu puts, then %llu random gets\n",
              static_cast<unsigned long long>(options.operations), options.value_bytes,
              static_cast<unsigned long long>(options.sync_batch),
              static_cast<unsigned long long>(options.operations));
  bool ok = bench_ringkv(options, workload) && bench_leveldb(options, workload);
  if (temporary) remove_tree(options.dir);
  if (!ok) std::fprintf(stderr, "storage_bench: an operation failed\n");
  return ok ? 0 : 1;
}
