// The timeline of one run as a self-contained HTML page (kvsim --html FILE): one lane per
// node, message arrows (kind, key, version), client operations as bars with their
// results, faults as shaded spans, the violation highlighted with the history of its key;
// zoomable, filterable by key. No network, no external script: the data is inlined.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/messages.h"
#include "sim/kv/checkers.h"
#include "sim/kv/history.h"

namespace ringkv::sim {

// "kv key-3 12.n1", "read-reply 9.n2", "gossip": what a detailed trace says a message is.
std::string describe_message(const Message& message);

struct TimelineInput {
  std::vector<std::string> nodes;           // lane names, by process index
  const std::vector<std::string>* events;  // captured trace lines (JSON objects)
  const History* history;
  std::optional<Violation> violation;
  std::string options;  // SimOptions::describe()
  uint64_t end_ms = 0;
};

std::string render_timeline_html(const TimelineInput& input);

}  // namespace ringkv::sim
