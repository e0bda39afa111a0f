#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "core/entry.h"
#include "core/lamport_clock.h"
#include "core/version.h"

namespace ringkv {
namespace {

Version gen_version_value(uint64_t counter, int node) {
  return Version{counter, "n" + std::to_string(node)};
}

rc::Gen<Version> gen_version() {
  return rc::gen::apply(gen_version_value, rc::gen::inRange<uint64_t>(0, 5),
                        rc::gen::inRange(0, 4));
}

rc::Gen<Entry> gen_entry() {
  return rc::gen::apply(
      [](Version v, bool tombstone, std::string value) {
        return Entry{std::move(v), tombstone, tombstone ? std::string() : std::move(value)};
      },
      gen_version(), rc::gen::arbitrary<bool>(),
      rc::gen::container<std::string>(rc::gen::inRange<char>('a', 'c')));
}

TEST(Version, TextForm) {
  EXPECT_EQ((Version{17, "n1"}).to_string(), "17.n1");
  auto parsed = parse_version("17.n1");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, (Version{17, "n1"}));
  EXPECT_EQ(parse_version("4611686018427387904.node-7")->counter, kMaxVersionCounter);
}

// No counter near 2^64 is ever accepted: it could wrap a clock (docs/wire.md).
TEST(Version, CountersAboveTwoToThe62AreOutOfRange) {
  bool out_of_range = false;
  EXPECT_FALSE(parse_version("4611686018427387905.n1", &out_of_range).has_value());
  EXPECT_TRUE(out_of_range);
  EXPECT_FALSE(parse_version("18446744073709551615.n1", &out_of_range).has_value());
  EXPECT_TRUE(out_of_range);
  EXPECT_FALSE(parse_version("17.n 1", &out_of_range).has_value());
  EXPECT_FALSE(out_of_range) << "malformed is not out of range";
}

TEST(Version, RejectsMalformedText) {
  for (const char* bad : {"", "17", ".n1", "17.", "x7.n1", "17.n.1", "17.n 1",
                          "18446744073709551616.n1", "-1.n1", "1 .n1"}) {
    EXPECT_FALSE(parse_version(bad).has_value()) << bad;
  }
}

TEST(Version, OrderIsCounterThenNode) {
  EXPECT_LT((Version{1, "n9"}), (Version{2, "n1"}));
  EXPECT_LT((Version{2, "n1"}), (Version{2, "n2"}));
  EXPECT_TRUE((Version{}).is_zero());
  EXPECT_LT((Version{}), (Version{0, "n1"}));
}

RC_GTEST_PROP(VersionProperty, StrictTotalOrder, ()) {
  Version a = *gen_version();
  Version b = *gen_version();
  Version c = *gen_version();
  // Exactly one of <, ==, > holds.
  RC_ASSERT((a < b) + (a == b) + (a > b) == 1);
  RC_ASSERT(!(a < a));
  if (a < b && b < c) RC_ASSERT(a < c);
  if (a == b) RC_ASSERT(a.to_string() == b.to_string());
}

RC_GTEST_PROP(VersionProperty, TextRoundTrip, (uint64_t counter)) {
  Version v{counter, "node_" + std::to_string(counter % 97)};
  bool out_of_range = false;
  auto parsed = parse_version(v.to_string(), &out_of_range);
  if (counter > kMaxVersionCounter) {  // refused, and said so
    RC_ASSERT(!parsed.has_value());
    RC_ASSERT(out_of_range);
    return;
  }
  RC_ASSERT(parsed.has_value());
  RC_ASSERT(*parsed == v);
}

RC_GTEST_PROP(LwwMerge, Commutative, ()) {
  Entry a = *gen_entry();
  Entry b = *gen_entry();
  RC_ASSERT(lww_merge(a, b) == lww_merge(b, a));
}

RC_GTEST_PROP(LwwMerge, Associative, ()) {
  Entry a = *gen_entry();
  Entry b = *gen_entry();
  Entry c = *gen_entry();
  RC_ASSERT(lww_merge(lww_merge(a, b), c) == lww_merge(a, lww_merge(b, c)));
}

RC_GTEST_PROP(LwwMerge, IdempotentAndPicksHighestVersion, ()) {
  Entry a = *gen_entry();
  Entry b = *gen_entry();
  RC_ASSERT(lww_merge(a, a) == a);
  Entry m = lww_merge(a, b);
  RC_ASSERT(m == a || m == b);
  RC_ASSERT(m.version >= a.version && m.version >= b.version);
}

TEST(LwwMerge, OptionalAbsentLoses) {
  Entry e{Version{3, "n1"}, false, "x"};
  EXPECT_EQ(lww_merge(std::optional<Entry>(), std::optional<Entry>(e)), e);
  EXPECT_EQ(lww_merge(std::optional<Entry>(e), std::optional<Entry>()), e);
  EXPECT_FALSE(lww_merge(std::optional<Entry>(), std::optional<Entry>()).has_value());
}

RC_GTEST_PROP(LamportClockProperty, NeverGoesBackwards, (std::vector<uint64_t> seen)) {
  LamportClock clock;
  uint64_t last = clock.current();
  for (uint64_t s : seen) {
    if (s % 3 == 0) {
      uint64_t stamped = clock.tick();
      RC_ASSERT(stamped > last);
    } else {
      s %= kMaxVersionCounter + 1;  // what the codec lets through
      clock.observe(s);
      RC_ASSERT(clock.current() >= s);
    }
    RC_ASSERT(clock.current() >= last);
    last = clock.current();
  }
}

TEST(LamportClock, TickAfterObserveOrdersAfterSeen) {
  LamportClock clock(5);
  clock.observe(41);
  EXPECT_EQ(clock.tick(), 42u);
  clock.observe(3);
  EXPECT_EQ(clock.current(), 42u);
}

}  // namespace
}  // namespace ringkv
