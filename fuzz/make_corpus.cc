// Writes the seed corpus files that only the engine can produce: a real WAL segment and real
// SSTables (written by LsmStore into a MemoryEnv), and every message kind as the codec encodes
// it. Usage: make_corpus FUZZ_CORPUS_DIR (writes <dir>/{wal_reader,sstable_reader,codec}/...).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/storage/file_names.h"
#include "core/storage/lsm_store.h"
#include "core/storage/memory_env.h"
#include "core/wire/batch.h"
#include "core/wire/codec.h"

using namespace ringkv;
using ringkv::wire::encode_message_bytes;
using ringkv::wire::encode_message_json;

namespace {

void write_output(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
  std::printf("%s (%zu bytes)\n", path.c_str(), bytes.size());
}

Entry put(uint64_t counter, const char* node, std::string value) {
  return Entry{Version{counter, node}, false, std::move(value)};
}

// The store's files after a few writes (and a flush when `flush`), by name.
std::vector<std::pair<std::string, std::string>> store_files(size_t key_count, bool flush) {
  MemoryEnv env;
  RINGKV_ASSERT(env.create_dir("db").ok());
  auto store = LsmStore::open(env, "db", LsmOptions());
  RINGKV_ASSERT(store.ok());
  for (size_t i = 0; i < key_count; ++i) {
    std::string key = "key-" + std::to_string(i);
    RINGKV_ASSERT((*store)->apply(key, put(i + 1, "n1", std::string(i % 40, 'v'))).ok());
  }
  RINGKV_ASSERT((*store)->apply("key-1", Entry{Version{99, "n2"}, true, ""}).ok());
  RINGKV_ASSERT((*store)->sync().ok());
  if (flush) RINGKV_ASSERT((*store)->flush().ok());
  std::vector<std::pair<std::string, std::string>> files;
  const std::vector<std::string> names = env.list("db").value();
  for (const std::string& name : names) {
    files.emplace_back(name, env.contents(join_path("db", name)).value());
  }
  return files;
}

void write_storage(const std::filesystem::path& dir) {
  for (const auto& [name, bytes] : store_files(6, false)) {
    if (parse_store_file_name(name).kind == StoreFileKind::kWal) {
      write_output(dir / "wal_reader" / "engine_segment", bytes);
    }
  }
  for (size_t key_count : {3, 200}) {
    for (const auto& [name, bytes] : store_files(key_count, true)) {
      if (parse_store_file_name(name).kind != StoreFileKind::kTable) continue;
      write_output(dir / "sstable_reader" / ("engine_table_" + std::to_string(key_count)), bytes);
    }
  }
}

std::vector<Message> sample_messages() {
  const Entry entry = put(17, "n1", std::string("va\0lue", 6));
  std::vector<MessageBody> bodies = {
      ReplicaWrite{7, "k\xff", entry, true},
      ReplicaWriteAck{7, true, Version{18, "n3"}, true},
      ReplicaRead{8, "key"},
      ReplicaReadReply{8, true, entry},
      Gossip{{MemberRow{"n1", "10.0.0.1:7000", 2, 40, MemberStatus::kSuspect},
              MemberRow{"n2", "10.0.0.2:7000", 1, 3, MemberStatus::kAlive}},
             true},
      MerkleQuery{5, 2, {0, 3}},
      MerkleHashes{5, 2, {0, 3}, {1, 0xffffffffffffffffULL}},
      SyncEntries{5, {1, 9}, {KeyedEntry{"a", entry}, KeyedEntry{"b", Entry{}}}, false},
      VersionQuery{9, "k\xff"},
      VersionQueryReply{9, true, Version{17, "n1"}},
      RingState{RingDescription{3, ChangeStage::kJoint, "n1", 100,
                                {RingMember{"n1", "10.0.0.1:7000", MemberState::kNormal},
                                 RingMember{"n4", "10.0.0.4:7000", MemberState::kJoining}}},
                true},
      RingAck{3, 0x1234567890abcdefULL, false},
      EpochRefusal{7, 4},
      StreamRequest{3, "k\xff", false, 65536},
      StreamBatch{3, {KeyedEntry{"a", entry}}, "a", false, 2, 500},
      ChangeRequest{ChangeKind::kJoin, "n4", "10.0.0.4:7000"},
  };
  std::vector<Message> messages;
  for (auto& body : bodies) messages.push_back(Message{"n1", 42, std::move(body), 3});
  return messages;
}

void write_codec(const std::filesystem::path& dir) {
  std::string batch;
  for (const Message& message : sample_messages()) wire::append_batch_frame(message, batch);
  write_output(dir / "codec" / "request_batch",
               '\0' + wire::encode_batch_request_bytes(batch, "10.0.0.2:7000"));
  for (const Message& message : sample_messages()) {
    const std::string kind = message_kind_name(message.body);
    const char kind_byte = static_cast<char>(message.body.index());
    write_output(dir / "codec" / ("json_" + kind), kind_byte + encode_message_json(message));
    std::string payload(1, kind_byte);
    wire::encode_message_binary(message, payload);
    write_output(dir / "codec" / ("binary_" + kind), payload);
    write_output(dir / "codec" / ("request_" + kind),
                 kind_byte + encode_message_bytes(message, "10.0.0.2:7000"));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_corpus FUZZ_CORPUS_DIR\n");
    return 2;
  }
  write_storage(argv[1]);
  write_codec(argv[1]);
  return 0;
}
