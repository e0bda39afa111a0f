// NodeContext: what the parts of a node (HintedHandoff, AntiEntropy) share with the Node
// that owns them: its configuration, its view of the membership, the side store, the
// simulation hooks and the counters. References only; the node outlives its parts.
#pragma once

#include <map>

#include "core/config.h"
#include "core/node/membership.h"
#include "core/node/node_metrics.h"
#include "core/node/side_store.h"
#include "core/node/simulation_hooks.h"

namespace ringkv {

struct NodeContext {
  const Config& config;
  const Membership& membership;
  SideStore& side_store;
  SimulationHooks& simulation;
  NodeMetrics& metrics;
  std::map<NodeId, PeerActivity>& peer_activity;
};

}  // namespace ringkv
