#include "core/entry.h"

namespace ringkv {

bool lww_wins(const Entry& a, const Entry& b) {
  if (a.version != b.version) return a.version > b.version;
  if (a.tombstone != b.tombstone) return a.tombstone;
  return a.value > b.value;
}

Entry lww_merge(const Entry& a, const Entry& b) { return lww_wins(b, a) ? b : a; }

std::optional<Entry> lww_merge(const std::optional<Entry>& a, const std::optional<Entry>& b) {
  if (!a) return b;
  if (!b) return a;
  return lww_merge(*a, *b);
}

}  // namespace ringkv
