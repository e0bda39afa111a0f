#include "core/ring_order_store.h"

#include <limits>
#include <utility>
#include <vector>

#include "core/hash.h"

namespace ringkv {
namespace {

constexpr std::string_view kDataPrefix("\0\xff", 2);
constexpr size_t kPositionBytes = 8;
constexpr size_t kHeaderBytes = 2 + kPositionBytes;

void append_position(std::string& out, uint64_t position) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(position >> shift));
}

std::string position_key(uint64_t position) {
  std::string out(kDataPrefix);
  append_position(out, position);
  return out;
}

bool is_data_record(std::string_view stored) {
  return stored.size() > kHeaderBytes && stored.substr(0, 2) == kDataPrefix;
}

uint64_t position_of(std::string_view stored) {
  uint64_t position = 0;
  for (size_t i = 2; i < kHeaderBytes; ++i) {
    position = (position << 8) | static_cast<unsigned char>(stored[i]);
  }
  return position;
}

}  // namespace

std::string ring_stored_key(std::string_view key) {
  if (is_node_record_key(key)) return std::string(key);
  std::string out;
  out.reserve(kHeaderBytes + key.size());
  out += kDataPrefix;
  append_position(out, hash64(key));
  out += key;
  return out;
}

Result<ApplyResult> RingOrderedStore::apply(std::string_view key, const Entry& entry) {
  return raw_.apply(ring_stored_key(key), entry);
}

Result<std::optional<Entry>> RingOrderedStore::get(std::string_view key) {
  return raw_.get(ring_stored_key(key));
}

Status RingOrderedStore::purge(std::string_view key, const Version& version) {
  return raw_.purge(ring_stored_key(key), version);
}

Status RingOrderedStore::scan(std::string_view start_key, const Visitor& visit) {
  // Node records sort before the data prefix ("\0" then a printable name), data after them.
  const std::string start = ring_stored_key(start_key);
  return raw_.scan(start, [&](std::string_view stored, const Entry& entry) {
    if (is_data_record(stored)) return visit(stored.substr(kHeaderBytes), entry);
    if (!is_node_record_key(stored)) return false;  // past the layout: old data (converted at open)
    if (stored.substr(0, 2) == kDataPrefix) return true;  // malformed: no key after it
    return visit(stored, entry);
  });
}

Status RingOrderedStore::scan_positions(uint64_t first, uint64_t last,
                                        const PositionVisitor& visit) {
  if (first > last) return Status();
  return raw_.scan(position_key(first), [&](std::string_view stored, const Entry& entry) {
    if (!is_data_record(stored)) return stored.substr(0, 2) == kDataPrefix;  // skip malformed
    const uint64_t position = position_of(stored);
    if (position > last) return false;
    return visit(position, stored.substr(kHeaderBytes), entry);
  });
}

Result<uint64_t> convert_to_ring_order(ReplicaStore& raw, size_t batch) {
  // Ids are [A-Za-z0-9_-], so '~' sorts above every one: this tombstone beats any entry.
  const Version drop{std::numeric_limits<uint64_t>::max(), "~"};
  uint64_t moved = 0;
  for (;;) {
    std::vector<std::pair<std::string, Entry>> pending;
    Status scanned = raw.scan(std::string_view("\x01", 1),
                              [&](std::string_view stored, const Entry& entry) {
                                pending.emplace_back(std::string(stored), entry);
                                return pending.size() < batch;
                              });
    RINGKV_RETURN_IF_ERROR(scanned);
    if (pending.empty()) return moved;
    for (const auto& [key, entry] : pending) {
      Result<ApplyResult> placed = raw.apply(ring_stored_key(key), entry);
      if (!placed.ok()) return placed.status();
      Result<ApplyResult> dropped = raw.apply(key, Entry{drop, true, {}});
      if (!dropped.ok()) return dropped.status();
      if (!dropped->applied) {
        return Status::corruption("cannot convert key to ring order: it holds the highest version");
      }
      RINGKV_RETURN_IF_ERROR(raw.purge(key, drop));
      moved++;
    }
    RINGKV_RETURN_IF_ERROR(raw.sync());
  }
}

}  // namespace ringkv
