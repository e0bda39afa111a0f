// Fuzz target: Membership::merge as a CRDT. Rows built from the bytes (few node ids, some
// invalid, the own id included, extreme counters) are split into two batches and merged in
// both orders, each batch also reversed. Oracle: the same rows about other nodes (ignoring
// local status), idempotence, and our own row dominating every accepted row about us.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include "core/node/membership.h"
#include "fuzz/fuzz_input.h"

using ringkv::MemberRow;
using ringkv::Membership;
using ringkv::fuzz::fuzz_expect;
using ringkv::fuzz::FuzzInput;

namespace {

constexpr size_t kMaxRows = 64;
constexpr size_t kMaxNodes = 64;  // more than the ids below: the table never fills up
const Membership::Timing kTiming{1000, 2000};

uint64_t counter(uint8_t choice) {
  if (choice == 255) return std::numeric_limits<uint64_t>::max();
  if (choice == 254) return std::numeric_limits<uint64_t>::max() - 1;
  return choice % 16;
}

MemberRow make_row(FuzzInput& input) {
  static const char* const kIds[] = {"n0", "n1", "n2", "n3", "n4", "", "bad.id", "n-5_x"};
  static const char* const kAddresses[] = {"10.0.0.1:7000", "10.0.0.2:7000", "", "h:1"};
  const uint8_t choice = input.byte();
  MemberRow row;
  row.node_id = kIds[choice % 8];
  row.address = kAddresses[(choice >> 3) % 4];
  row.status = static_cast<ringkv::MemberStatus>((choice >> 5) % 3);
  row.incarnation = counter(input.byte());
  row.heartbeat = counter(input.byte());
  return row;
}

Membership fresh_table() {
  return Membership(MemberRow{"n0", "10.0.0.1:7000", 3, 5, ringkv::MemberStatus::kAlive},
                    kTiming, kMaxNodes, 0);
}

// Rows about other nodes, status blanked (liveness is judged locally).
std::vector<MemberRow> without_status(std::vector<MemberRow> rows) {
  std::erase_if(rows, [](const MemberRow& row) { return row.node_id == "n0"; });
  for (MemberRow& row : rows) row.status = ringkv::MemberStatus::kAlive;
  return rows;
}

// Our row must dominate every valid row about us that was merged.
bool self_dominates(const Membership& table, const std::vector<MemberRow>& rows) {
  const MemberRow& self = table.self();
  for (const MemberRow& row : rows) {
    if (row.node_id != "n0" || row.incarnation > ringkv::kMaxIncarnation ||
        row.heartbeat > ringkv::kMaxHeartbeat) {
      continue;
    }
    if (std::tie(row.incarnation, row.heartbeat) > std::tie(self.incarnation, self.heartbeat)) {
      return false;
    }
  }
  return true;
}

std::string describe(const std::vector<MemberRow>& rows) {
  std::string out;
  for (const MemberRow& r : rows) {
    out += r.node_id + "@" + r.address + " " + std::to_string(r.incarnation) + "." +
           std::to_string(r.heartbeat) + "\n";
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput input(data, size);
  const size_t split = input.byte();
  std::vector<MemberRow> rows;
  while (input.remaining() > 0 && rows.size() < kMaxRows) rows.push_back(make_row(input));
  const size_t middle = std::min(split, rows.size());
  std::vector<MemberRow> first(rows.begin(), rows.begin() + middle);
  std::vector<MemberRow> second(rows.begin() + middle, rows.end());
  std::vector<MemberRow> second_reversed(second.rbegin(), second.rend());
  std::vector<MemberRow> first_reversed(first.rbegin(), first.rend());

  Membership forward = fresh_table();
  (void)forward.merge(first, 10);
  (void)forward.merge(second, 20);
  Membership backward = fresh_table();
  (void)backward.merge(second_reversed, 10);
  (void)backward.merge(first_reversed, 20);
  const auto forward_rows = without_status(forward.rows());
  const auto backward_rows = without_status(backward.rows());
  fuzz_expect(forward_rows == backward_rows, "merge order does not matter",
              "forward:\n" + describe(forward_rows) + "backward:\n" + describe(backward_rows));

  fuzz_expect(self_dominates(forward, rows) && self_dominates(backward, rows),
              "our own row dominates every row about us");
  const MemberRow self_before = forward.self();
  (void)forward.merge(rows, 30);
  fuzz_expect(without_status(forward.rows()) == forward_rows && forward.self() == self_before,
              "merge is idempotent");
  return 0;
}
