#include "core/node/injected_bugs.h"

namespace ringkv {

const std::vector<InjectedBugInfo>& injected_bug_catalog() {
  static const std::vector<InjectedBugInfo> catalog = {
      {InjectedBug::kAckBeforeSync, "ack-before-sync",
       "replicas acknowledge writes before their WAL sync"},
      {InjectedBug::kSkipReadRepair, "skip-read-repair",
       "quorum reads answer without repairing stale replicas"},
      {InjectedBug::kCountDuplicateAcks, "count-duplicate-acks",
       "a re-delivered ack from the same replica counts again toward W"},
      {InjectedBug::kVersionCounterOnly, "version-counter-only",
       "replicas order versions by counter only, ignoring the node id"},
      {InjectedBug::kDropHints, "drop-hints",
       "coordinators silently drop the hint for a replica that missed a write"},
      {InjectedBug::kNoLamportObserve, "no-lamport-observe",
       "Lamport clocks ignore the counters in messages and version answers"},
      {InjectedBug::kRestampOnRetry, "restamp-on-retry",
       "a write superseded on a replica is stamped again above it and resent"},
      {InjectedBug::kSkipWriteBack, "skip-write-back",
       "strong reads answer before a majority of the replicas holds the value"},
      {InjectedBug::kResurrectAfterPurge, "resurrect-after-purge",
       "tombstones are purged after the grace period without every replica's confirmation, "
       "and keep no floor"},
      {InjectedBug::kServeWhileRebuilding, "serve-while-rebuilding",
       "a node that lost its data answers reads and version queries before it rebuilt them"},
      {InjectedBug::kSwitchBeforeStreamed, "switch-before-streamed",
       "a membership change switches reads to the new replicas before they finished streaming"},
      {InjectedBug::kSingleSetQuorumDuringMove, "single-set-quorum-during-move",
       "while a key moves, W acknowledgements from the old and new sets together complete a "
       "write (no quorum of each)"},
      {InjectedBug::kStaleEpochAccepted, "stale-epoch-accepted",
       "the ring epoch a message carries is ignored: replicas serve requests from an older "
       "epoch, and nodes do not catch up from a newer one"},
      {InjectedBug::kKeepRegainedEntries, "keep-regained-entries",
       "a node that becomes a replica of a range again keeps the entries it held there from "
       "before it lost the range (values deleted and purged meanwhile come back)"},
  };
  return catalog;
}

std::optional<InjectedBug> injected_bug_by_name(std::string_view name) {
  for (const auto& info : injected_bug_catalog()) {
    if (info.name == name) return info.bug;
  }
  return std::nullopt;
}

}  // namespace ringkv
