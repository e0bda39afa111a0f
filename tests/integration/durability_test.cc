// kill -9 right after acknowledged writes loses nothing (WAL synced before every ack);
// damage on a stopped node's disk is never served, and the node rebuilds.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "local_cluster.h"

namespace ringkv::integration {
namespace {

inline constexpr int kAcknowledgedWrites = 64;

TEST(DurabilityTest, KillNineAfterAcknowledgedWritesLosesNothing) {
  LocalCluster cluster(
      1, {"--n", "1", "--w", "1", "--r", "1", "--sync", "always", "--memtable-bytes", "4096"});
  ASSERT_TRUE(cluster.start(0)) << cluster.log(0);
  auto client = cluster.client(0);
  for (int i = 0; i < kAcknowledgedWrites; ++i) {
    std::string value = "value-" + std::to_string(i) + std::string(100, 'x');
    auto put = client->request("PUT", "/kv/key-" + std::to_string(i), value);
    ASSERT_TRUE(put.ok()) << put.status().to_string();
    ASSERT_EQ(put->status, 204);
  }
  auto deleted = client->request("DELETE", "/kv/key-0");
  ASSERT_TRUE(deleted.ok());
  ASSERT_EQ(deleted->status, 204);
  EXPECT_EQ(cluster.stop(0, SIGKILL), std::optional<int>(128 + SIGKILL));

  ASSERT_TRUE(cluster.start(0)) << cluster.log(0);
  auto reader = cluster.client(0);
  auto first = reader->request("GET", "/kv/key-0");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->status, 404);
  for (int i = 1; i < kAcknowledgedWrites; ++i) {
    auto get = reader->request("GET", "/kv/key-" + std::to_string(i));
    ASSERT_TRUE(get.ok());
    EXPECT_EQ(get->status, 200) << "key-" << i;
    EXPECT_EQ(get->body, "value-" + std::to_string(i) + std::string(100, 'x'));
  }
}

// Writes pipelined on several connections (--sync always, background sync), kill -9 while
// most are still in flight: every write whose 204 was read before the kill is there after
// the restart. kill -9 keeps the kernel's page cache, so this catches an ack sent before
// the WAL write reached the kernel, not a missing fdatasync; power loss is the
// simulator's fault (MemoryEnv drops unsynced bytes).
TEST(DurabilityTest, KillNineDuringAPipelinedStreamLosesNoAcknowledgedWrite) {
  constexpr int kConnections = 4;
  constexpr int kWritesPerConnection = 150;
  constexpr int kAcksBeforeKill = 100;
  // The default 4 MiB memtable: nothing is flushed, the WAL alone must hold the writes.
  LocalCluster cluster(1, {"--n", "1", "--w", "1", "--r", "1", "--sync", "always"});
  ASSERT_TRUE(cluster.start(0)) << cluster.log(0);
  auto key_of = [](int connection, int i) {
    return "c" + std::to_string(connection) + "-" + std::to_string(i);
  };
  std::vector<std::unique_ptr<runtime::HttpClient>> clients;
  for (int c = 0; c < kConnections; ++c) {
    clients.push_back(cluster.client(0));
    std::string pipeline;
    for (int i = 0; i < kWritesPerConnection; ++i) {
      std::string value = "value-" + key_of(c, i);
      pipeline += "PUT /kv/" + key_of(c, i) + " HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                  std::to_string(value.size()) + "\r\n\r\n" + value;
    }
    ASSERT_TRUE(clients.back()->send_raw(pipeline).ok());
  }
  // Responses come in request order per connection: the first n read are the first n sent.
  std::vector<int> acked(kConnections, 0);
  int total = 0;
  for (int round = 0; total < kAcksBeforeKill && round < kWritesPerConnection; ++round) {
    for (int c = 0; c < kConnections && total < kAcksBeforeKill; ++c) {
      auto response = clients[c]->read_response();
      ASSERT_TRUE(response.ok()) << response.status().to_string();
      ASSERT_EQ(response->status, 204) << response->body;
      acked[c]++;
      total++;
    }
  }
  EXPECT_EQ(cluster.stop(0, SIGKILL), std::optional<int>(128 + SIGKILL));
  ASSERT_TRUE(cluster.start(0)) << cluster.log(0);
  auto reader = cluster.client(0);
  for (int c = 0; c < kConnections; ++c) {
    for (int i = 0; i < acked[c]; ++i) {
      auto get = reader->request("GET", "/kv/" + key_of(c, i));
      ASSERT_TRUE(get.ok()) << get.status().to_string();
      EXPECT_EQ(get->status, 200) << key_of(c, i) << " was acknowledged and is gone";
      EXPECT_EQ(get->body, "value-" + key_of(c, i));
    }
  }
}

TEST(DurabilityTest, SigtermExitsZeroAndKeepsData) {
  LocalCluster cluster(1, {"--n", "1", "--w", "1", "--r", "1", "--sync", "batch"});
  ASSERT_TRUE(cluster.start(0));
  auto put = cluster.client(0)->request("PUT", "/kv/batched", "kept");
  ASSERT_TRUE(put.ok());
  ASSERT_EQ(put->status, 204);
  EXPECT_EQ(cluster.stop(0, SIGTERM), std::optional<int>(0)) << cluster.log(0);
  ASSERT_TRUE(cluster.start(0));
  auto get = cluster.client(0)->request("GET", "/kv/batched");
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "kept");
}

// Flips one bit of the file at `offset` (the disk's damage, under a stopped node).
void flip_bit_on_disk(const std::string& path, uint64_t offset) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(file.good()) << path;
  file.seekg(static_cast<std::streamoff>(offset));
  char byte = 0;
  ASSERT_TRUE(file.get(byte).good()) << path << " is shorter than " << offset;
  byte = static_cast<char>(byte ^ 0x10);
  file.seekp(static_cast<std::streamoff>(offset));
  file.put(byte);
  ASSERT_TRUE(file.flush().good());
}

// The files of node `index`'s data store whose names end with `suffix`.
std::vector<std::string> store_files(const LocalCluster& cluster, size_t index,
                                     const std::string& suffix) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator(cluster.data_dir(index) + "/store")) {
    const std::string name = entry.path().filename().string();
    if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      found.push_back(entry.path().string());
    }
  }
  return found;
}

inline constexpr int kDamageKeys = 60;

std::string damage_value(int key) { return "value-" + std::to_string(key) + std::string(200, 'v'); }

// Writes kDamageKeys keys to every replica (w=3).
void write_everywhere(LocalCluster& cluster) {
  auto client = cluster.client(1);
  for (int i = 0; i < kDamageKeys; ++i) {
    auto put = client->request("PUT", "/kv/key-" + std::to_string(i) + "?w=3", damage_value(i));
    ASSERT_TRUE(put.ok()) << put.status().to_string();
    ASSERT_EQ(put->status, 204) << put->body;
  }
}

// After node 0 set its store aside and rebuilt: every key, read through node 0 alone
// (r=1 answers from the first replica, and node 0 answers no read until rebuilt), has the
// value written; the node says what happened.
void expect_rebuilt_with_every_key(LocalCluster& cluster) {
  ASSERT_TRUE(cluster.wait_rebuilt(0)) << cluster.log(0);
  EXPECT_NE(cluster.log(0).find("was damaged"), std::string::npos) << cluster.log(0);
  EXPECT_TRUE(std::filesystem::exists(cluster.data_dir(0) + "/store.damaged/DAMAGED"));
  EXPECT_GE(cluster.metric_value(0, "ringkv_data_rebuilds_total"), 1);
  // The rebuild is anti-entropy pulling every key: the log says from whom.
  EXPECT_TRUE(std::regex_search(cluster.log(0), std::regex(R"(anti-entropy peer=n[23] applied=[1-9])")))
      << cluster.log(0);
  auto client = cluster.client(0);
  for (int i = 0; i < kDamageKeys; ++i) {
    auto get = client->request("GET", "/kv/key-" + std::to_string(i));
    ASSERT_TRUE(get.ok());
    EXPECT_EQ(get->status, 200) << "key-" << i << ": " << get->body;
    EXPECT_EQ(get->body, damage_value(i)) << "key-" << i;
  }
}

// A bit flipped in the data blocks of a stopped node's tables: the node meets the block
// (its start-up index scan reads every block, or a read does), the checksum fails on every
// re-read, so the damage is confirmed: the node records it and stops (exit 3), and its
// restart sets the store aside and rebuilds it from the replicas. No read ever answers
// the damaged block, nor an older version from a lower table.
TEST(DiskDamageTest, FlippedTableBitIsNeverServedAndTheNodeRebuilds) {
  LocalCluster cluster(3, {"--memtable-bytes", "4096"});
  ASSERT_TRUE(cluster.start_all()) << cluster.log(0);
  write_everywhere(cluster);
  EXPECT_EQ(cluster.stop(0, SIGTERM), std::optional<int>(0)) << cluster.log(0);
  const std::vector<std::string> tables = store_files(cluster, 0, ".sst");
  ASSERT_FALSE(tables.empty()) << "no SSTable was written";
  for (const std::string& table : tables) flip_bit_on_disk(table, 40);  // in the first block
  if (cluster.start(0)) {  // up before it met the block: reads find it
    auto client = cluster.client(0, 3000);
    for (int i = 0; i < kDamageKeys && !cluster.exit_code(0); ++i) {
      auto get = client->request("GET", "/kv/key-" + std::to_string(i) + "?r=3&timeout_ms=1000");
      if (get.ok() && get->status == 200) {
        EXPECT_EQ(get->body, damage_value(i)) << "key-" << i << " served wrong";
      }
      if (!get.ok()) cluster.stop(0, 0);  // gone? (signal 0 only waits, bounded)
    }
  }
  if (!cluster.exit_code(0)) cluster.stop(0, SIGKILL);
  EXPECT_EQ(cluster.exit_code(0), std::optional<int>(3)) << cluster.log(0);
  EXPECT_NE(cluster.log(0).find("fails its checksum on every read"), std::string::npos)
      << cluster.log(0);
  ASSERT_TRUE(cluster.start(0, /*rebuilt=*/false)) << cluster.log(0);
  expect_rebuilt_with_every_key(cluster);
}

// A bit flipped in the middle of a stopped node's WAL (not a torn tail: records follow
// it): recovery meets it on every open, so the store is set aside and rebuilt instead of
// the node refusing to start.
TEST(DiskDamageTest, CorruptWalRecordSetsTheStoreAsideAndTheNodeRebuilds) {
  LocalCluster cluster(3, {});
  ASSERT_TRUE(cluster.start_all()) << cluster.log(0);
  write_everywhere(cluster);
  EXPECT_EQ(cluster.stop(0, SIGKILL), std::optional<int>(128 + SIGKILL));
  std::string wal;
  for (const std::string& path : store_files(cluster, 0, ".log")) {
    if (std::filesystem::file_size(path) > 4096) wal = path;
  }
  ASSERT_FALSE(wal.empty()) << "no WAL with the writes";
  flip_bit_on_disk(wal, std::filesystem::file_size(wal) / 3);
  ASSERT_TRUE(cluster.start(0, /*rebuilt=*/false)) << cluster.log(0);
  EXPECT_NE(cluster.log(0).find("recovery failed on every open"), std::string::npos)
      << cluster.log(0);
  expect_rebuilt_with_every_key(cluster);
}

// A small tmpfs mounted for one test (root only); unmounted when destroyed.
class SmallDisk {
 public:
  explicit SmallDisk(const std::string& path, const char* size) : path_(path) {
    std::filesystem::create_directories(path_);
    const std::string command =
        "mount -t tmpfs -o size=" + std::string(size) + " ringkv-test " + path_ + " 2>/dev/null";
    mounted_ = ::geteuid() == 0 && std::system(command.c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) (void)std::system(("umount -l " + path_).c_str());
  }
  bool mounted() const { return mounted_; }

 private:
  std::string path_;
  bool mounted_ = false;
};

// A full disk (ENOSPC) under a serving node: writes fail, nothing half-written (the WAL
// is cut back) and nothing acknowledged is lost; reads go on; /health says why; and the
// node recovers by itself when space returns, without a restart.
TEST(DiskFullTest, WritesFailReadsGoOnAndTheNodeRecoversWhenSpaceReturns) {
  TempDir base;
  SmallDisk disk(base.path() + "/disk", "2m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  const std::string filler = base.path() + "/disk/filler";
  {
    std::ofstream out(filler, std::ios::binary);
    out << std::string(768 * 1024, 'f');  // space to give back later
    ASSERT_TRUE(out.flush().good());
  }
  LocalCluster cluster(1, {"--n", "1", "--w", "1", "--r", "1", "--memtable-bytes", "65536"});
  cluster.set_data_dir(0, base.path() + "/disk/data");
  ASSERT_TRUE(cluster.start(0)) << cluster.log(0);
  auto client = cluster.client(0);
  const std::string value(40 * 1024, 'v');
  std::vector<std::string> acknowledged;
  bool refused = false;
  for (int i = 0; i < 200 && !refused; ++i) {  // 2 MiB: full long before 200 writes
    const std::string key = "key-" + std::to_string(i);
    auto put = client->request("PUT", "/kv/" + key + "?timeout_ms=500", value);
    ASSERT_TRUE(put.ok()) << put.status().to_string();
    if (put->status == 204) {
      acknowledged.push_back(key);
    } else {
      refused = true;
      // Refused at once (507), not at the deadline: no replica left could store it.
      EXPECT_EQ(put->status, 507) << put->body;
      EXPECT_NE(put->body.find("the disk of n1 is full"), std::string::npos) << put->body;
    }
  }
  ASSERT_TRUE(refused) << "the disk never filled";
  ASSERT_FALSE(acknowledged.empty());
  auto health = client->request("GET", "/health");
  ASSERT_TRUE(health.ok());
  EXPECT_NE(health->body.find("\"status\":\"degraded\""), std::string::npos) << health->body;
  EXPECT_NE(health->body.find("disk full"), std::string::npos) << health->body;
  EXPECT_GE(cluster.metric_value(0, "ringkv_writes_failed_disk_full_total"), 1);
  EXPECT_NE(cluster.log(0).find("is full"), std::string::npos) << cluster.log(0);
  for (const std::string& key : acknowledged) {  // reads go on
    auto get = client->request("GET", "/kv/" + key);
    ASSERT_TRUE(get.ok());
    EXPECT_EQ(get->status, 200) << key;
    EXPECT_EQ(get->body, value) << key;
  }
  std::filesystem::remove(filler);  // space returns
  auto put = client->request("PUT", "/kv/after-space-returned", "v");
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->status, 204) << put->body << "\n" << cluster.log(0);
  health = client->request("GET", "/health");
  ASSERT_TRUE(health.ok());
  EXPECT_NE(health->body.find("\"status\":\"ok\""), std::string::npos) << health->body;
  // Nothing acknowledged was lost, even across kill -9.
  EXPECT_EQ(cluster.stop(0, SIGKILL), std::optional<int>(128 + SIGKILL));
  ASSERT_TRUE(cluster.start(0)) << cluster.log(0);
  auto reader = cluster.client(0);
  acknowledged.push_back("after-space-returned");
  for (const std::string& key : acknowledged) {
    auto get = reader->request("GET", "/kv/" + key);
    ASSERT_TRUE(get.ok());
    EXPECT_EQ(get->status, 200) << key << " lost";
  }
}

// A start that cannot listen (its port is taken) consumes no incarnation: the next start
// that serves takes the next number.
TEST(IncarnationTest, AStartThatCannotListenConsumesNoIncarnation) {
  LocalCluster cluster(1, {"--n", "1", "--w", "1", "--r", "1"});
  ASSERT_TRUE(cluster.start(0)) << cluster.log(0);
  EXPECT_EQ(cluster.stop(0, SIGTERM), std::optional<int>(0));
  const std::string incarnation_file = cluster.data_dir(0) + "/incarnation";
  auto read_incarnation = [&] { return read_file(incarnation_file); };
  ASSERT_EQ(read_incarnation(), "1\n");
  // Someone else listens on the node's port now.
  const int squatter = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int reuse = 1;
  ::setsockopt(squatter, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(cluster.port(0));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(squatter, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(squatter, 1), 0);
  EXPECT_FALSE(cluster.start(0));
  EXPECT_NE(cluster.log(0).find("cannot listen"), std::string::npos) << cluster.log(0);
  EXPECT_EQ(read_incarnation(), "1\n") << "a failed start consumed an incarnation";
  ::close(squatter);
  ASSERT_TRUE(cluster.start(0)) << cluster.log(0);
  EXPECT_EQ(read_incarnation(), "2\n");
}

}  // namespace
}  // namespace ringkv::integration
