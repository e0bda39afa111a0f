#include "sim/kv/kv_machine.h"

#include <algorithm>
#include <deque>
#include <map>

#include "core/wire/batch.h"
#include "core/wire/http_limits.h"
#include "core/wire/http_parser.h"
#include "sim/kv/timeline.h"

namespace ringkv::sim {

WatchingStore::WatchingStore(LsmStore& inner, const std::vector<Key>& watched)
    : inner_(inner) {
  for (const Key& key : watched) watched_.emplace(ring_stored_key(key), key);
}

void WatchingStore::note(std::string_view stored_key) {
  if (auto it = watched_.find(stored_key); it != watched_.end()) written_.insert(it->second);
}

Result<ApplyResult> WatchingStore::apply(std::string_view key, const Entry& entry) {
  note(key);
  return inner_.apply(key, entry);
}

Status WatchingStore::purge(std::string_view key, const Version& version) {
  note(key);
  return inner_.purge(key, version);
}

KvMachine::KvMachine(size_t index, const KvMachineSetup& setup, Prng prng)
    : setup_(setup), prng_(std::move(prng)) {
  (void)index;
}

Result<std::unique_ptr<KvMachine>> KvMachine::open(size_t index, const KvMachineSetup& setup,
                                                   MemoryEnv& env, uint64_t incarnation,
                                                   Prng prng, uint64_t local_now_ms) {
  std::unique_ptr<KvMachine> machine(new KvMachine(index, setup, std::move(prng)));
  auto store = LsmStore::open_or_discard_damaged(env, "data", setup.storage,
                                                 &machine->discarded_);
  if (!store.ok()) return store.status();
  machine->store_ = std::move(*store);
  machine->watching_ = std::make_unique<WatchingStore>(*machine->store_, setup.watched_keys);
  // The durable hint store, on the same simulated disk (kvnode keeps it in DATA/hints).
  std::string hints_discarded;  // the simulator damages only the data store
  auto hints = LsmStore::open_or_discard_damaged(env, "hints", setup.storage, &hints_discarded);
  if (!hints.ok()) return hints.status();
  machine->hint_store_ = std::move(*hints);
  const NodeId& self = setup.names[index];
  std::vector<Peer> peers;
  // --peers: the initial nodes (a spare that joins names them as its seeds).
  for (size_t i = 0; i < setup.initial_count; ++i) {
    const NodeId& name = setup.names[i];
    if (name != self) peers.push_back(Peer{name, name + ":8080"});
  }
  // As kvnode: a blank store (the first boot, or a wiped disk) rebuilds from the peers.
  const bool blank = store_is_blank(*machine->store_);
  machine->node_ = std::make_unique<Node>(
      NodeIdentity{self, self + ":8080", incarnation, blank}, setup.config, peers,
      *machine->watching_, machine->prng_.fork(), local_now_ms);
  machine->node_->attach_hint_store(*machine->hint_store_);
  DriverHost& host = *machine;
  machine->driver_ = std::make_unique<NodeDriver>(*machine->node_, *machine->store_,
                                                  *machine->hint_store_, host, setup.driver);
  machine->node_->set_injected_bugs(setup.injected_bugs);
  machine->node_->observe_drops();
  if (setup.buggify_permille > 0) {
    machine->node_->enable_buggify(machine->prng_.fork(), setup.buggify_permille);
  }
  return machine;
}

void KvMachine::on_packet(size_t from, const std::string& bytes, uint64_t now_ms) {
  (void)from;
  // The same parser as production, fed in up to three random pieces.
  wire::HttpRequestParser parser(wire::internal_http_limits(setup_.config.max_value_bytes));
  size_t offset = 0;
  for (int piece = 0; piece < 3 && offset < bytes.size(); ++piece) {
    size_t length = piece == 2 ? bytes.size() - offset : prng_.range(0, bytes.size() - offset);
    if (!parser.feed(std::string_view(bytes).substr(offset, length)).ok()) break;
    offset += length;
  }
  std::optional<wire::HttpRequest> request = parser.next();
  if (!request) {
    codec_errors_++;
    return;
  }
  Result<std::vector<Message>> messages = wire::decode_batch(*request);
  if (!messages.ok()) {
    codec_errors_++;
    return;
  }
  for (const Message& message : *messages) node_->on_message(message, now_ms);
}

void KvMachine::on_tick(uint64_t now_ms) {
  node_->on_tick(now_ms);
  const uint32_t buggify = setup_.buggify_permille;
  // Buggify the storage: flushes and full compactions at odd times, one-key steps (the
  // driver steps compactions by setup.driver.compaction_step_entries).
  if (buggify && prng_.chance(buggify)) (void)store_->flush();
  if (buggify && prng_.chance(buggify)) store_->request_full_compaction();
  if (buggify && prng_.chance(200) && store_->compaction_pending()) {
    (void)store_->compact_step(1);  // a failed step is retried; fatal ones surface later
  }
}

void KvMachine::start_compaction(size_t store, std::function<Status()> run) {
  RINGKV_ASSERT(store < 2 && !compactions_[store].run);
  compactions_[store] = PendingCompaction{
      std::move(run), driving_now_ms_ + prng_.uniform(kMaxCompactionDelayMs + 1)};
}

void KvMachine::finish_due_compactions(uint64_t now_ms) {
  for (size_t store = 0; store < 2; ++store) {
    PendingCompaction& pending = compactions_[store];
    if (!pending.run || pending.due_ms > now_ms) continue;
    const Status result = std::exchange(pending.run, nullptr)();
    driver_->compaction_finished(store, result, now_ms);
  }
}

uint64_t KvMachine::drive(uint64_t now_ms) {
  driving_now_ms_ = now_ms;
  finish_due_compactions(now_ms);
  const uint64_t failures_before = driver_->commit_failures();
  uint64_t wake_ms = driver_->drive(now_ms);
  for (const PendingCompaction& pending : compactions_) {
    if (pending.run) wake_ms = std::min(wake_ms, std::max(pending.due_ms, now_ms));
  }
  // An in-place commit (--sync batch) that succeeded synced everything applied so far.
  const bool committed_in_place = setup_.driver.sync != SyncPolicy::kAlways &&
                                  node_->metrics().commits != commits_seen_;
  if (committed_in_place && driver_->commit_failures() == failures_before) {
    record_synced(watched_versions());
  }
  commits_seen_ = node_->metrics().commits;
  return wake_ms;
}

void KvMachine::start_sync(std::function<Status()> run) {
  sync_run_ = std::move(run);
  sync_covers_ = watched_versions();  // what the WAL held when the sync began
  sync_started_ = true;
}

void KvMachine::finish_sync(uint64_t now_ms) {
  RINGKV_ASSERT(sync_run_ != nullptr);
  const Status result = std::exchange(sync_run_, nullptr)();
  const uint64_t failures_before = driver_->commit_failures();
  driver_->sync_finished(result, now_ms);
  if (driver_->commit_failures() == failures_before) record_synced(sync_covers_);
  commits_seen_ = node_->metrics().commits;
}

// Every watched key is read (through the store's whole read path) after each change of the
// table set; in between, only the keys written since the last read can have changed.
const std::map<Key, Version>& KvMachine::watched_versions() {
  if (store_->state_changes() == watched_changes_) return watched_;
  const std::set<Key> written = watching_->take_written();
  const bool all = store_->table_changes() != watched_tables_;
  if (all) watched_.clear();
  for (const Key& key : setup_.watched_keys) {
    if (!all && !written.count(key)) continue;
    auto entry = store_->get(ring_stored_key(key));
    if (entry.ok()) {
      watched_[key] = *entry ? (*entry)->version : Version{};
    } else {
      watched_.erase(key);
    }
  }
  // A read error (an injected fault) leaves a key out: everything is read again next time.
  const bool complete = watched_.size() == setup_.watched_keys.size();
  watched_changes_ = store_->state_changes();
  watched_tables_ = complete ? store_->table_changes() : UINT64_MAX;
  return watched_;
}

// Syncs complete in order, so the last one describes the disk: its versions replace the
// earlier ones (they only go down when a purge dropped a tombstone).
void KvMachine::record_synced(const std::map<Key, Version>& versions) {
  for (const auto& [key, version] : versions) synced_versions_[key] = version;
}

// As kvnode's peer pool does: the messages of one step to one peer travel as batch
// requests (usually one), in order.
std::vector<Packet> KvMachine::take_packets() {
  std::map<size_t, std::deque<std::string>> frames_by_peer;
  std::map<size_t, std::string> what_by_peer;  // only with describe_messages
  for (Envelope& envelope : std::exchange(outgoing_, {})) {
    auto it = std::find(setup_.names.begin(), setup_.names.end(), envelope.to);
    if (it == setup_.names.end()) continue;  // unknown node: nowhere to send
    const size_t to = static_cast<size_t>(it - setup_.names.begin());
    wire::append_batch_frame(envelope.message, frames_by_peer[to].emplace_back());
    if (setup_.describe_messages) {
      std::string& what = what_by_peer[to];
      what += (what.empty() ? "" : "; ") + describe_message(envelope.message);
    }
  }
  std::vector<Packet> packets;
  const size_t max_body_bytes =
      wire::internal_http_limits(setup_.config.max_value_bytes).max_body_bytes;
  for (auto& [to, frames] : frames_by_peer) {
    while (!frames.empty()) {
      std::string body;
      wire::take_batch_body(frames, max_body_bytes, body);
      // The step's messages to this peer are described once, on its first packet.
      packets.push_back(Packet{to,
                               wire::encode_batch_request_bytes(body, setup_.names[to] + ":8080"),
                               std::exchange(what_by_peer[to], {})});
    }
  }
  return packets;
}

void KvMachine::submit(uint64_t request_id, const ClientRequest& request, uint64_t now_ms) {
  node_->on_client_request(request_id, request, now_ms);
}

}  // namespace ringkv::sim
