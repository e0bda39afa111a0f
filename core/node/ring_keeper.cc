#include "core/node/ring_keeper.h"

#include <algorithm>

#include "core/assert.h"

namespace ringkv {
namespace {

// A stream request visits at most this many stored keys (matching or not), so one input
// stays bounded however few of the source's keys move.
constexpr size_t kMaxKeysVisitedPerStreamRequest = 20'000;
constexpr size_t kMaxEntriesPerStreamBatch = 4'096;  // the codec's bound
constexpr uint32_t kMaxStreamBatchBytes = 4u << 20;
// A stream request unanswered for this many resend intervals is asked again.
constexpr uint64_t kStreamRetryIntervals = 4;

bool votes(MemberState state) {
  return state != MemberState::kRemoved && state != MemberState::kLeft;
}

bool contains(const std::vector<NodeId>& ids, const NodeId& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

RingKeeper::RingKeeper(RingKeeperOptions options, RingKeeperHost& host, Outbox& outbox,
                       std::optional<RingDescription> persisted,
                       std::map<NodeId, StreamCursor> cursors, uint64_t now_ms)
    : options_(std::move(options)), host_(host), outbox_(outbox), next_tick_ms_(now_ms),
      now_ms_(now_ms) {
  if (persisted) {
    if (Result<RingConfig> config = RingConfig::make(*persisted, options_.max_members);
        config.ok()) {
      config_ = std::move(config).value();
    }
  }
  if (config_.stage() == ChangeStage::kStreaming) {
    start_streaming(now_ms);
    for (auto& [source, stream] : sources_) {
      auto found = cursors.find(source);
      if (found == cursors.end() || found->second.epoch != config_.epoch()) continue;
      stream.cursor = found->second;  // a stream interrupted by a crash goes on from here
      if (stream.cursor.started) counters_.stream_resumed++;
    }
    finish_streaming_if_done();
  }
}

std::optional<MemberState> RingKeeper::self_state() const {
  const RingMember* member = config_.find(options_.self);
  // A formed configuration is adopted only by its members; one that no longer lists this
  // node ended its removal (the last stage drops the removed member).
  if (!member) return config_.formed() ? std::optional(MemberState::kRemoved) : std::nullopt;
  return member->state;
}

bool RingKeeper::left() const { return self_state() == MemberState::kLeft; }

StreamProgress RingKeeper::progress() const { return progress_; }

std::vector<RingMember> RingKeeper::prospective_members() const {
  std::vector<RingMember> members{RingMember{options_.self, options_.address, MemberState::kNormal}};
  for (const auto& [id, address] : options_.seeds) {
    members.push_back(RingMember{id, address, MemberState::kNormal});
  }
  std::sort(members.begin(), members.end(),
            [](const RingMember& a, const RingMember& b) { return a.id < b.id; });
  return members;
}

RingState RingKeeper::state_message(bool request) const {
  if (config_.formed()) return RingState{config_.description(), request};
  // Not formed: epoch 0 with the members this node would form a new cluster with.
  RingDescription prospective;
  prospective.vnodes_per_node = options_.vnodes_per_node;
  prospective.members = prospective_members();
  return RingState{std::move(prospective), request};
}

void RingKeeper::push_config(const NodeId& to, bool hold) {
  pushed_ms_[to] = now_ms_;
  if (hold) {
    outbox_.hold(to, state_message(false));
  } else {
    outbox_.send(to, state_message(false));
  }
}

void RingKeeper::observe_epoch(const NodeId& from, uint64_t epoch) {
  if (epoch <= config_.epoch() || from == options_.self) return;
  auto [it, first] = asked_newer_ms_.try_emplace(from, 0);
  if (!first && now_ms_ - it->second < options_.resend_interval_ms) return;
  it->second = now_ms_;
  outbox_.send(from, state_message(true));
}

bool RingKeeper::admits(const NodeId& from, uint64_t epoch) {
  if (!config_.formed()) {
    observe_epoch(from, epoch);
    counters_.requests_refused_stale_epoch++;
    return false;
  }
  if (epoch < config_.epoch()) {
    counters_.requests_refused_stale_epoch++;
    outbox_.send(from, state_message(false));  // ahead of the refusal, on the same link
    return false;
  }
  observe_epoch(from, epoch);
  return true;
}

bool RingKeeper::prefer(const RingConfig& candidate) const {
  if (!config_.formed()) return true;
  if (candidate.epoch() != config_.epoch()) return candidate.epoch() > config_.epoch();
  // Two configurations of one epoch (two changes begun at once): every node keeps the one
  // with the larger digest, so at most one of them ever gathers every voter's ack.
  return candidate.digest() > config_.digest();
}

void RingKeeper::handle(const NodeId& from, const RingState& state, uint64_t now_ms) {
  now_ms_ = now_ms;
  if (state.request && from != options_.self) outbox_.send(from, state_message(false));
  if (state.ring.epoch == 0) {  // a peer that has no configuration yet
    if (!config_.formed()) {
      seed_answers_[from] = state.ring;
      form_if_agreed(now_ms);
    } else if (!state.request) {
      outbox_.send(from, state_message(false));
    }
    return;
  }
  Result<RingConfig> candidate = RingConfig::make(state.ring, options_.max_members);
  if (!candidate.ok()) {
    counters_.configs_refused++;
    return;
  }
  const RingMember* listed = candidate->find(options_.self);
  if (!config_.formed() &&
      (!listed || listed->state == MemberState::kLeft || listed->state == MemberState::kRemoved)) {
    // A formed cluster without us (or with an earlier life of this id that left): a node
    // with no configuration of its own asks to join (tick).
    seed_answers_[from] = state.ring;
    return;
  }
  if (prefer(*candidate)) {
    adopt(std::move(candidate).value(), now_ms);
  } else if (*candidate == config_) {
    // The owner sends it again: our acknowledgement was lost (or is still on its way).
    const std::optional<MemberState> state = self_state();
    if (config_.changing() && from == config_.owner() && state && votes(*state)) {
      outbox_.hold(from, RingAck{config_.epoch(), config_.digest(), streamed_});
    }
  } else {
    counters_.configs_refused++;
    if (candidate->epoch() < config_.epoch() && !state.request) {
      outbox_.send(from, state_message(false));  // the sender is behind
    }
  }
}

bool RingKeeper::adopt(RingConfig next, uint64_t now_ms) {
  if (!host_.prepare_ring(config_, next).ok()) {
    counters_.configs_deferred++;  // the host reports why; the owner pushes it again
    return false;
  }
  RingConfig before = std::move(config_);
  config_ = std::move(next);
  counters_.configs_adopted++;
  (void)host_.persist_ring(config_.description());  // a failed write is the host's to report
  host_.ring_changed(before, config_);
  acks_.clear();
  pushed_ms_.clear();
  seed_answers_.clear();
  sources_.clear();
  streamed_ = false;
  streamed_durable_ = false;
  if (config_.stage() == ChangeStage::kStreaming) start_streaming(now_ms);
  if (!config_.changing()) {
    // The owner ends its change by telling every voter of the last stage (the leaving
    // member too: that is how it learns it has left). Nobody acknowledges an end; a member
    // that misses it learns the epoch from the next message it gets and asks.
    if (before.changing() && before.owner() == options_.self) {
      for (const NodeId& voter : before.voters()) {
        if (voter != options_.self) push_config(voter, /*hold=*/true);
      }
    }
    return true;
  }
  const std::optional<MemberState> state = self_state();
  if (!state || !votes(*state)) return true;
  if (config_.owner() == options_.self) {
    // Every voter learns the new stage after this node's commit made it durable here.
    for (const NodeId& voter : config_.voters()) {
      if (voter != options_.self) push_config(voter, /*hold=*/true);
    }
  } else {
    outbox_.hold(config_.owner(), RingAck{config_.epoch(), config_.digest(), streamed_});
  }
  return true;
}

void RingKeeper::form_if_agreed(uint64_t now_ms) {
  if (config_.formed()) return;
  std::vector<RingMember> mine = prospective_members();
  std::vector<NodeId> ids;
  for (const RingMember& member : mine) ids.push_back(member.id);
  for (const auto& [id, address] : options_.seeds) {
    auto answer = seed_answers_.find(id);
    if (answer == seed_answers_.end() || answer->second.epoch != 0) return;
    std::vector<NodeId> theirs;
    for (const RingMember& member : answer->second.members) theirs.push_back(member.id);
    std::sort(theirs.begin(), theirs.end());
    if (theirs != ids) return;  // a seed that would form another cluster: wait
  }
  Result<RingConfig> initial =
      RingConfig::initial(std::move(mine), options_.vnodes_per_node, options_.max_members);
  if (initial.ok()) adopt(std::move(initial).value(), now_ms);
}

bool RingKeeper::gains_from(const Key& key, const NodeId& gainer, const NodeId& source) const {
  const ReplicaSets sets = config_.sets(key, options_.replication_factor);
  return contains(sets.new_set, gainer) && !contains(sets.old_set, gainer) &&
         contains(sets.old_set, source);
}

void RingKeeper::start_streaming(uint64_t now_ms) {
  const std::optional<MemberState> state = self_state();
  // Every member that may own keys after the change streams (in a join only the joining
  // one gains anything, but the others' empty streams are what a member that gains
  // nothing costs: one scan of each source).
  const bool gains = state == MemberState::kNormal || state == MemberState::kJoining;
  if (gains) {
    for (const RingMember& member : config_.members()) {
      // Every live owner before the change that is not us: each sends what we gain of its.
      const bool owned_before =
          member.state == MemberState::kNormal || member.state == MemberState::kLeaving;
      if (member.id == options_.self || !owned_before) continue;
      sources_[member.id].cursor.epoch = config_.epoch();
    }
  }
  progress_ = StreamProgress{};
  progress_.sources_total = static_cast<uint32_t>(sources_.size());
  ask_sources(now_ms);
  finish_streaming_if_done();
}

void RingKeeper::ask_sources(uint64_t now_ms) {
  const uint64_t retry_ms = kStreamRetryIntervals * options_.resend_interval_ms;
  for (auto& [source, stream] : sources_) {
    if (stream.cursor.done || now_ms < stream.not_before_ms) continue;
    if (stream.asked_ms != 0) {
      if (now_ms - stream.asked_ms < retry_ms) continue;
      counters_.stream_resumed++;  // unanswered (a crash, a partition): ask again
    }
    stream.asked_ms = std::max<uint64_t>(now_ms, 1);
    outbox_.send(source, StreamRequest{config_.epoch(), stream.cursor.cursor,
                                       !stream.cursor.started, options_.stream_batch_bytes});
  }
}

void RingKeeper::handle(const NodeId& from, const StreamRequest& request, uint64_t now_ms) {
  now_ms_ = now_ms;
  if (request.epoch != config_.epoch() || config_.stage() != ChangeStage::kStreaming) return;
  const uint64_t max_bytes =
      std::clamp<uint64_t>(request.max_bytes, 1, kMaxStreamBatchBytes);
  StreamBatch batch{request.epoch, {}, request.cursor, true};
  uint64_t bytes = 0;
  size_t visited = 0;
  Status scanned = host_.scan_entries(
      request.cursor, request.from_start, [&](const Key& key, const Entry& entry) {
        if (visited == kMaxKeysVisitedPerStreamRequest ||
            batch.entries.size() == kMaxEntriesPerStreamBatch ||
            (!batch.entries.empty() && bytes >= max_bytes)) {
          batch.done = false;  // more after the cursor
          return false;
        }
        visited++;
        batch.next_cursor = key;
        batch.scanned = static_cast<uint32_t>(visited);
        if (gains_from(key, from, options_.self)) {
          bytes += key.size() + entry.value.size();
          batch.entries.push_back(KeyedEntry{key, entry});
        }
        return true;
      });
  if (!scanned.ok()) return;  // the gainer asks again
  batch.source_keys = host_.stored_key_count();
  counters_.stream_batches_served++;
  outbox_.send(from, std::move(batch));
}

void RingKeeper::handle(const NodeId& from, const StreamBatch& batch, uint64_t now_ms) {
  now_ms_ = now_ms;
  if (batch.epoch != config_.epoch() || config_.stage() != ChangeStage::kStreaming) return;
  auto found = sources_.find(from);
  if (found == sources_.end() || found->second.cursor.done) return;
  Source& stream = found->second;
  uint64_t bytes = 0;
  for (const KeyedEntry& item : batch.entries) {
    // Only what this node gains from that source: nothing else is the stream's to write.
    if (!gains_from(item.key, options_.self, from)) continue;
    if (!host_.apply_streamed(item.key, item.entry).ok()) return;  // asked again later
    bytes += item.key.size() + item.entry.value.size();
    progress_.entries_received++;
  }
  progress_.bytes_received += bytes;
  stream.bytes += bytes;
  stream.scanned += batch.scanned;
  stream.source_keys = batch.source_keys;
  counters_.stream_batches_received++;
  stream.cursor.cursor = batch.next_cursor;
  stream.cursor.started = true;
  stream.cursor.done = batch.done;
  (void)host_.persist_cursor(from, stream.cursor);
  stream.asked_ms = 0;
  if (options_.stream_max_bytes_per_s > 0) {
    stream.not_before_ms = now_ms + bytes * 1000 / options_.stream_max_bytes_per_s;
  }
  if (stream.cursor.done) progress_.sources_done++;
  progress_.bytes_total = estimated_bytes_total();
  ask_sources(now_ms);
  finish_streaming_if_done();
}

uint64_t RingKeeper::estimated_bytes_total() const {
  long double total = 0;
  for (const auto& [source, stream] : sources_) {
    if (stream.cursor.done || stream.scanned == 0) {
      total += static_cast<long double>(stream.bytes);
      continue;
    }
    // The numbers come from a peer: the share is taken as at most 1 and at least 1/keys.
    const uint64_t keys = std::max(stream.source_keys, stream.scanned);
    total += static_cast<long double>(stream.bytes) * static_cast<long double>(keys) /
             static_cast<long double>(stream.scanned);
  }
  constexpr long double kMax = static_cast<long double>(UINT64_MAX / 2);
  return std::max(progress_.bytes_received, static_cast<uint64_t>(std::min(total, kMax)));
}

void RingKeeper::finish_streaming_if_done() {
  if (streamed_ || config_.stage() != ChangeStage::kStreaming) return;
  for (const auto& [source, stream] : sources_) {
    if (!stream.cursor.done) return;
  }
  streamed_ = true;
  // Sent after the commit that makes every streamed entry durable here.
  if (config_.owner() != options_.self) {
    outbox_.hold(config_.owner(), RingAck{config_.epoch(), config_.digest(), true});
  }
}

void RingKeeper::on_commit() {
  if (streamed_) streamed_durable_ = true;
}

void RingKeeper::handle(const NodeId& from, const RingAck& ack, uint64_t now_ms) {
  now_ms_ = now_ms;
  if (config_.owner() != options_.self || ack.epoch != config_.epoch()) return;
  const RingMember* member = config_.find(from);
  if (!member || !votes(member->state)) return;
  // Acknowledgements may arrive out of order: `streamed` once said stays said.
  Ack& known = acks_[from];
  const bool streamed = ack.streamed || (known.epoch == ack.epoch && known.digest == ack.digest &&
                                         known.streamed);
  known = Ack{ack.epoch, ack.digest, streamed};
  drive_change(now_ms);
}

bool RingKeeper::all_acked() const {
  const bool need_streamed =
      config_.stage() == ChangeStage::kStreaming && !skip_streamed_wait_;
  for (const NodeId& voter : config_.voters()) {
    if (voter == options_.self) {
      if (need_streamed && !streamed_durable_) return false;
      continue;
    }
    auto found = acks_.find(voter);
    if (found == acks_.end()) return false;
    const Ack& ack = found->second;
    if (ack.epoch != config_.epoch() || ack.digest != config_.digest()) return false;
    if (need_streamed && !ack.streamed) return false;
  }
  return true;
}

void RingKeeper::drive_change(uint64_t now_ms) {
  if (!config_.changing() || config_.owner() != options_.self) return;
  if (!all_acked()) {
    for (const NodeId& voter : config_.voters()) {
      if (voter == options_.self) continue;
      // Voters not known to hold this stage (or, streaming, to have finished) are sent
      // it again; they answer with their acknowledgement as it stands.
      auto ack = acks_.find(voter);
      const bool current = ack != acks_.end() && ack->second.epoch == config_.epoch() &&
                           ack->second.digest == config_.digest() &&
                           (config_.stage() != ChangeStage::kStreaming || ack->second.streamed);
      auto pushed = pushed_ms_.find(voter);
      if (!current && (pushed == pushed_ms_.end() ||
                       now_ms - pushed->second >= options_.resend_interval_ms)) {
        push_config(voter, /*hold=*/false);
      }
    }
    return;
  }
  const RingMember* subject = config_.subject();
  RINGKV_ASSERT(subject != nullptr);
  const MemberState moving = subject->state;
  Result<RingConfig> next = config_.next_stage();
  RINGKV_ASSERT(next.ok());
  const ChangeStage stage = next->stage();
  if (!adopt(std::move(next).value(), now_ms)) return;  // tried again at the next tick
  counters_.stages_entered++;
  if (stage == ChangeStage::kReadsSwitched) counters_.reads_switched++;
  if (stage == ChangeStage::kNone) {
    counters_.changes_completed++;
    if (moving == MemberState::kJoining) counters_.joins_completed++;
    if (moving == MemberState::kLeaving) counters_.decommissions_completed++;
    if (moving == MemberState::kRemoved) counters_.removals_completed++;
  }
}

void RingKeeper::handle(const NodeId& from, const ChangeRequest& request, uint64_t now_ms) {
  now_ms_ = now_ms;
  if (!config_.formed()) return;
  if (request.kind == ChangeKind::kDecommission) {
    // A member asks to leave, with this node running the change.
    if (request.node_id != from || config_.changing()) return;  // it asks again
    Result<RingConfig> next =
        config_.begin_decommission(request.node_id, options_.self, options_.replication_factor);
    if (next.ok()) adopt(std::move(next).value(), now_ms);
    return;
  }
  if (request.kind != ChangeKind::kJoin) {
    (void)begin(request.kind, request.node_id, now_ms);
    return;
  }
  const RingMember* known = config_.find(request.node_id);
  if (known && known->state != MemberState::kLeft) {
    outbox_.send(from, state_message(false));  // already in: it needs the configuration
    return;
  }
  if (config_.changing()) return;  // it asks again; one change at a time
  Result<RingConfig> next = config_.begin_join(request.node_id, request.address, options_.self,
                                               options_.max_members);
  if (next.ok()) adopt(std::move(next).value(), now_ms);
}

Result<RingConfig> RingKeeper::begin(ChangeKind kind, const NodeId& id, uint64_t now_ms) {
  now_ms_ = now_ms;
  RINGKV_RETURN_IF_ERROR(can_begin());
  Result<RingConfig> next = Status::invalid_argument("a node joins by starting with --peers");
  if (kind == ChangeKind::kDecommission) {
    if (id != options_.self) {
      return Status::invalid_argument("decommission is asked of the node that leaves, not " +
                                      options_.self);
    }
    // The leaving node does not run its own decommission: it stops once it has left, and
    // the change's last word (the final configuration) must come from a member that stays.
    // The lowest-id other normal member runs it; this node asks it until it is leaving.
    const RingMember* runner = nullptr;
    for (const RingMember& member : config_.members()) {
      if (member.id != options_.self && member.state == MemberState::kNormal) {
        runner = &member;
        break;
      }
    }
    if (!runner) return Status::invalid_argument("no other member can run the decommission");
    next = config_.begin_decommission(id, runner->id, options_.replication_factor);
    if (!next.ok()) return next.status();
    decommission_runner_ = runner->id;
    decommission_asked_ms_ = now_ms;
    outbox_.send(runner->id, ChangeRequest{ChangeKind::kDecommission, id, options_.address});
    return next;
  } else if (kind == ChangeKind::kRemove) {
    next = config_.begin_remove(id, options_.self, options_.replication_factor);
  }
  if (!next.ok()) return next.status();
  if (!adopt(*next, now_ms)) {
    return Status::unavailable("this node could not drop the stale entries of the ranges the "
                               "change gives it (a storage error): try again");
  }
  return next;
}

Status RingKeeper::can_begin() const {
  if (!config_.formed()) return Status::unavailable("this node has no ring configuration yet");
  if (!decommission_runner_.empty() && self_state() == MemberState::kNormal) {
    return Status::conflict("a membership change is in progress: decommission of " +
                            options_.self + ", asked of " + decommission_runner_);
  }
  return config_.can_begin();
}

void RingKeeper::tick(uint64_t now_ms) {
  now_ms_ = now_ms;
  next_tick_ms_ = now_ms + options_.resend_interval_ms;
  if (!config_.formed()) {
    for (const auto& [seed, address] : options_.seeds) {
      auto answer = seed_answers_.find(seed);
      if (answer != seed_answers_.end() && answer->second.epoch > 0) {
        // A formed cluster that does not list us: ask it to let us join.
        outbox_.send(seed, ChangeRequest{ChangeKind::kJoin, options_.self, options_.address});
      } else {
        outbox_.send(seed, state_message(true));
      }
    }
    form_if_agreed(now_ms);
    return;
  }
  if (config_.owner() == options_.self) drive_change(now_ms);
  if (!decommission_runner_.empty()) {
    if (self_state() != MemberState::kNormal) {
      decommission_runner_.clear();  // leaving (or gone): the request arrived
    } else if (!config_.changing() &&
               now_ms - decommission_asked_ms_ >= options_.resend_interval_ms) {
      decommission_asked_ms_ = now_ms;
      outbox_.send(decommission_runner_,
                   ChangeRequest{ChangeKind::kDecommission, options_.self, options_.address});
    }
  }
  if (config_.stage() == ChangeStage::kStreaming) ask_sources(now_ms);
}

}  // namespace ringkv
