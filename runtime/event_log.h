// EventLog: what the node did, told as log lines (docs/operations.md "What the logs say").
// After every drive the server calls observe(); it compares the node and its stores with
// what it last logged and writes one line per meaningful change:
//   peer n2 suspect|down|alive ...       a peer's status as the failure detector sees it
//   hints peer=n2 stored=... ...         hints kept for / delivered to a peer (summary)
//   anti-entropy peer=n2 applied=... ... Merkle repairs with a peer (summary)
//   anti-entropy index loaded keys=... ms=...  a load that took more than one step ended
//   flush store=data ... / compaction store=data ...   (debug)
// Summaries are rate-limited per peer: the first change after a quiet period is logged at
// once, later ones at most every kSummaryIntervalMs, with the counts since the last line.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

#include "core/node/node.h"
#include "core/storage/lsm_store.h"
#include "runtime/logger.h"

namespace ringkv::runtime {

class EventLog {
 public:
  static constexpr uint64_t kSummaryIntervalMs = 10'000;

  EventLog(const Logger& logger, const Node& node, const LsmStore& data, const LsmStore& hints)
      : logger_(logger), node_(node), data_(data), hints_(hints),
        data_stats_(data.stats()), hint_stats_(hints.stats()) {}

  void observe(uint64_t now_ms);

 private:
  void peer_states(uint64_t now_ms);
  void peer_activity(uint64_t now_ms);
  void store_events(const char* name, const LsmStore& store, LsmStats& last);
  void index_load(uint64_t now_ms);

  const Logger& logger_;
  const Node& node_;
  const LsmStore& data_;
  const LsmStore& hints_;
  // Each peer's membership status as last logged, and since when (loop ms).
  struct PeerState {
    MemberStatus status = MemberStatus::kAlive;
    uint64_t since_ms = 0;
  };
  std::unordered_map<NodeId, PeerState> peer_states_;
  struct LoggedActivity {
    PeerActivity counts;  // as of the last line
    uint64_t logged_ms = 0;
    bool ever = false;
  };
  std::map<NodeId, LoggedActivity> logged_activity_;
  LsmStats data_stats_;
  LsmStats hint_stats_;
  bool index_loading_ = false;     // the anti-entropy index was loading at the last look
  uint64_t index_load_seen_ms_ = 0;  // when that load was first seen
};

}  // namespace ringkv::runtime
