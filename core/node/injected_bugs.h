// Deliberate bugs, switched on by name only by the simulator (kvsim --inject-bug NAME),
// to prove that its checkers can fail. Production never sets them: Node starts with none.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace ringkv {

enum class InjectedBug : uint32_t {
  kAckBeforeSync = 1u << 0,           // replica acks before commit() syncs the store
  kSkipReadRepair = 1u << 1,          // reads never repair stale replicas
  kCountDuplicateAcks = 1u << 2,      // the same replica's ack counts twice toward W
  kVersionCounterOnly = 1u << 3,      // replicas compare versions by counter only
  kDropHints = 1u << 4,               // coordinators never store hints (silently)
  // 1u << 5 was lose-stale-reject (retired with stale rejection; do not reuse).
  kNoLamportObserve = 1u << 6,        // clocks never move past counters seen in messages
  kRestampOnRetry = 1u << 7,          // a superseded write is stamped again and resent
  kSkipWriteBack = 1u << 8,           // strong reads answer before a majority holds the value
  kResurrectAfterPurge = 1u << 9,     // purges skip the confirmations and keep no floor
  kServeWhileRebuilding = 1u << 10,   // a node that lost its data answers reads at once
  kSwitchBeforeStreamed = 1u << 11,   // a change's owner switches reads before streaming ends
  kSingleSetQuorumDuringMove = 1u << 12,  // W acks from either set complete a moving write
  kStaleEpochAccepted = 1u << 13,     // message epochs ignored: stale requests are served
  kKeepRegainedEntries = 1u << 14,    // a node keeps its old entries of a range it regains
};

struct InjectedBugInfo {
  InjectedBug bug;
  std::string_view name;
  std::string_view description;
};

const std::vector<InjectedBugInfo>& injected_bug_catalog();
std::optional<InjectedBug> injected_bug_by_name(std::string_view name);

}  // namespace ringkv
