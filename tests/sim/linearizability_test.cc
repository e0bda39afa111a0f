// The linearizability checker: hand-written histories that are and are not linearizable,
// the step bound, a law over generated executions of a real register (a history that a
// register produced is linearizable; some corruptions are always caught), and agreement
// with a naive exhaustive search on small histories. Each property also runs over fixed
// seeds as a plain test; RapidCheck's own runs are reproduced with RC_PARAMS="seed=...".
#include "sim/kv/linearizability.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "core/prng.h"

namespace ringkv::sim {
namespace {

constexpr uint32_t kReplicationFactor = 3;
constexpr uint32_t kStrong = 2;  // 2 * 2 > 3: a strong read and a strong write
constexpr uint32_t kWeak = 1;

class HistoryBuilder {
 public:
  uint64_t put(Value value, uint64_t invoke_ms, uint64_t complete_ms,
               OpResult result = OpResult::kOk, uint32_t quorum = kStrong) {
    return add(ClientOp::kPut, std::move(value), invoke_ms, complete_ms, result, quorum);
  }
  uint64_t erase(uint64_t invoke_ms, uint64_t complete_ms, OpResult result = OpResult::kOk,
                 uint32_t quorum = kStrong) {
    return add(ClientOp::kDelete, {}, invoke_ms, complete_ms, result, quorum);
  }
  uint64_t get(Value value, uint64_t invoke_ms, uint64_t complete_ms, uint32_t quorum = kStrong) {
    return add(ClientOp::kGet, std::move(value), invoke_ms, complete_ms, OpResult::kOk, quorum);
  }
  uint64_t get_absent(uint64_t invoke_ms, uint64_t complete_ms, uint32_t quorum = kStrong) {
    return add(ClientOp::kGet, {}, invoke_ms, complete_ms, OpResult::kNotFound, quorum);
  }
  void set_key(Key key) { key_ = std::move(key); }
  const History& history() const { return history_; }

 private:
  uint64_t add(ClientOp kind, Value value, uint64_t invoke_ms, uint64_t complete_ms,
               OpResult result, uint32_t quorum) {
    Op op;
    op.id = history_.ops.size() + 1;
    op.kind = kind;
    op.key = key_;
    op.value = std::move(value);
    op.invoke_ms = invoke_ms;
    op.complete_ms = complete_ms;
    op.result = result;
    op.quorum = quorum;
    history_.ops.push_back(op);
    return op.id;
  }

  Key key_ = "k";
  History history_;
};

LinearizabilityReport check(const HistoryBuilder& builder, LinearizabilityOptions options = {}) {
  return check_linearizability(builder.history(), kReplicationFactor, options);
}

void expect_linearizable(const HistoryBuilder& builder) {
  const LinearizabilityReport report = check(builder);
  for (const KeyLinearizability& key : report.keys) {
    EXPECT_EQ(key.verdict, LinearizabilityVerdict::kLinearizable) << key.key << ": " << key.detail;
  }
}

KeyLinearizability expect_violation(const HistoryBuilder& builder) {
  const std::optional<KeyLinearizability> violation = check(builder).first_violation();
  EXPECT_TRUE(violation.has_value());
  return violation.value_or(KeyLinearizability{});
}

TEST(Linearizability, SequentialHistoryIsLinearizable) {
  HistoryBuilder h;
  h.put("a", 0, 10);
  h.get("a", 11, 20);
  h.put("b", 21, 30);
  h.get("b", 31, 40);
  h.erase(41, 50);
  h.get_absent(51, 60);
  h.put("c", 61, 70);
  h.get("c", 70, 80);  // touches the PUT's completion: concurrent, still fine
  const LinearizabilityReport report = check(h);
  ASSERT_EQ(report.keys.size(), 1u);
  EXPECT_EQ(report.keys[0].verdict, LinearizabilityVerdict::kLinearizable);
  EXPECT_FALSE(report.first_violation().has_value());
  EXPECT_EQ(report.unknown_keys(), 0u);
}

TEST(Linearizability, EmptyHistoryAndReadOfInitialAbsence) {
  EXPECT_TRUE(check(HistoryBuilder{}).keys.empty());
  HistoryBuilder h;
  h.get_absent(0, 10);
  h.put("a", 5, 15);  // concurrent: the read may come first
  expect_linearizable(h);
}

TEST(Linearizability, OverlappingWritesMayBeReadInEitherOrder) {
  for (const char* last : {"a", "b"}) {
    HistoryBuilder h;
    h.put("a", 0, 20);
    h.put("b", 5, 15);
    h.get(last, 8, 18);   // concurrent with both writes
    h.get(last, 21, 30);  // after both: the same winner
    expect_linearizable(h);
  }
}

TEST(Linearizability, ConcurrentReadsMaySeeTheWriteOrNot) {
  HistoryBuilder h;
  h.put("a", 0, 10);
  h.put("b", 20, 50);
  h.get("a", 25, 35);
  h.get("b", 30, 40);
  h.get("a", 24, 45);  // overlaps the read of b: may have taken effect before it
  expect_linearizable(h);
}

TEST(Linearizability, IndeterminateWriteMayAppearLate) {
  HistoryBuilder h;
  h.put("a", 0, 10);
  h.put("b", 20, 25, OpResult::kIndeterminate);
  h.get("a", 30, 40);
  h.get("a", 50, 60);
  h.get("b", 100, 110);  // long after the client gave up
  h.get("b", 120, 130);
  expect_linearizable(h);
}

TEST(Linearizability, IndeterminateWriteMayNeverTakeEffect) {
  HistoryBuilder h;
  h.put("a", 0, 10);
  h.put("b", 20, 25, OpResult::kIndeterminate);
  h.erase(21, 26, OpResult::kIndeterminate);
  h.put("c", 22, 0, OpResult::kPending);
  h.get("a", 30, 40);
  h.get("a", 50, 60);
  expect_linearizable(h);
}

TEST(Linearizability, FailedWriteObservedByAReadTookEffect) {
  HistoryBuilder h;
  h.put("a", 0, 10);
  h.put("b", 10, 20, OpResult::kFailed);
  h.get("b", 30, 40);
  h.erase(45, 50, OpResult::kFailed);
  h.get_absent(55, 60);
  expect_linearizable(h);
}

TEST(Linearizability, WeakReadsAreIgnoredAndWeakWritesAreOptional) {
  HistoryBuilder h;
  h.put("a", 0, 10);
  h.put("b", 11, 20);
  h.get("a", 21, 30, kWeak);  // stale, but R=1 need not see the latest write
  h.put("c", 31, 40, OpResult::kOk, kWeak);
  h.get("b", 41, 50);  // a W=1 write need not be visible yet
  h.get("c", 51, 60);  // ... but may appear later
  expect_linearizable(h);

  HistoryBuilder strong;
  strong.put("a", 0, 10);
  strong.put("b", 11, 20);
  strong.get("a", 21, 30, kStrong);
  expect_violation(strong);
}

TEST(Linearizability, OptionalDeleteExplainsAbsenceOnlyAfterItsInvoke) {
  HistoryBuilder h;
  h.put("a", 0, 10);
  h.erase(15, 20, OpResult::kIndeterminate);
  h.get_absent(30, 40);
  expect_linearizable(h);

  h.get("a", 50, 60);  // "a" cannot come back after the delete that the read saw
  const KeyLinearizability violation = expect_violation(h);
  EXPECT_EQ(violation.op_ids.front(), 1u) << violation.detail;
  EXPECT_NE(violation.detail.find("op 4 (GET returned \"a\"), was invoked after op 3 (GET "
                                  "returned absent) had to take effect"),
            std::string::npos)
      << violation.detail;

  HistoryBuilder early;
  early.put("a", 0, 10);
  early.get_absent(12, 14);
  early.erase(15, 20, OpResult::kIndeterminate);  // invoked after the read completed
  expect_violation(early);
}

TEST(Linearizability, StaleReadAfterCompletedWriteIsCaught) {
  HistoryBuilder h;
  h.put("a", 0, 10);
  h.put("b", 11, 20);
  h.get("a", 21, 30);
  const KeyLinearizability violation = expect_violation(h);
  EXPECT_EQ(violation.key, "k");
  // PUT a must take effect by 10, and its value survive PUT b (in effect by 20) up to 21.
  EXPECT_EQ(violation.op_ids, (std::vector<uint64_t>{1, 3, 2}));
  EXPECT_EQ(violation.time_ms, 10u);
  EXPECT_EQ(violation.detail,
            "no linearization: op 1 (PUT \"a\") cannot take effect first; deepest state reached: "
            "absent; the first read of its value, op 3 (GET returned \"a\"), was invoked after "
            "op 2 (PUT \"b\") had to take effect");
}

TEST(Linearizability, NewOldInversionIsCaught) {
  HistoryBuilder h;
  h.put("a", 0, 10);
  h.put("b", 20, 60);
  h.get("b", 25, 35);  // sees the new value
  h.get("a", 40, 50);  // starts after that read ended, yet sees the old one
  const KeyLinearizability violation = expect_violation(h);
  EXPECT_NE(violation.detail.find("no linearization"), std::string::npos);
  for (uint64_t id : {2u, 4u}) {
    EXPECT_NE(std::find(violation.op_ids.begin(), violation.op_ids.end(), id),
              violation.op_ids.end())
        << violation.detail;
  }
}

TEST(Linearizability, ReadOfAValueWrittenOnlyAfterTheReadIsCaught) {
  HistoryBuilder h;
  h.get("x", 0, 10);
  h.put("x", 20, 30, OpResult::kIndeterminate);
  const KeyLinearizability violation = expect_violation(h);
  EXPECT_EQ(violation.op_ids, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(violation.detail,
            "op 1 (GET returned \"x\") completed at 10 ms, before op 2 (PUT \"x\", "
            "indeterminate) was invoked at 20 ms");
}

TEST(Linearizability, ReadOfAValueNoPutWroteIsCaught) {
  HistoryBuilder h;
  h.put("a", 0, 10);
  h.set_key("other");
  h.put("ghost", 0, 10);  // the same value, but for another key
  h.set_key("k");
  h.get("ghost", 20, 30);
  const KeyLinearizability violation = expect_violation(h);
  EXPECT_EQ(violation.key, "k");
  EXPECT_EQ(violation.op_ids, (std::vector<uint64_t>{3}));
  EXPECT_EQ(violation.detail,
            "op 3 (GET returned \"ghost\") read a value no PUT to this key wrote");
}

TEST(Linearizability, ValueReadAfterALaterCompletedDeleteIsCaught) {
  HistoryBuilder h;
  h.put("a", 0, 10);
  h.erase(20, 30);
  h.get("a", 40, 50);
  const KeyLinearizability violation = expect_violation(h);
  EXPECT_EQ(violation.op_ids, (std::vector<uint64_t>{1, 3, 2}));
  EXPECT_NE(violation.detail.find("op 3 (GET returned \"a\"), was invoked after op 2 (DELETE) "
                                  "had to take effect"),
            std::string::npos)
      << violation.detail;
}

TEST(Linearizability, ReadsFlippingBetweenTwoCompletedWritesAreCaught) {
  HistoryBuilder h;
  h.put("a", 0, 10);
  h.put("b", 0, 10);
  h.get("a", 20, 30);
  h.get("b", 40, 50);
  h.get("a", 60, 70);
  expect_violation(h);
}

TEST(Linearizability, KeysAreCheckedSeparatelyAndReportedInKeyOrder) {
  HistoryBuilder h;
  h.set_key("z");
  h.put("z1", 0, 10);
  h.get("z1", 20, 30);
  h.set_key("b");
  h.put("b1", 0, 10);
  h.put("b2", 11, 20);
  h.get("b1", 21, 30);
  h.set_key("a");
  h.get_absent(0, 5);
  const LinearizabilityReport report = check(h);
  ASSERT_EQ(report.keys.size(), 3u);
  EXPECT_EQ(report.keys[0].key, "a");
  EXPECT_EQ(report.keys[1].key, "b");
  EXPECT_EQ(report.keys[2].key, "z");
  EXPECT_EQ(report.keys[1].verdict, LinearizabilityVerdict::kViolation);
  EXPECT_EQ(report.first_violation()->key, "b");
}

// Twelve clients write and read at once, and a final read contradicts every order.
HistoryBuilder heavily_concurrent_violation() {
  HistoryBuilder h;
  for (int client = 0; client < 12; ++client) {
    h.put("v" + std::to_string(client), 0, 100);
    h.get("v" + std::to_string((client + 5) % 12), 0, 100);
  }
  h.put("last", 101, 110);
  h.get("v0", 120, 130);
  return h;
}

TEST(Linearizability, TinyStepBoundGivesUnknown) {
  const HistoryBuilder h = heavily_concurrent_violation();
  const LinearizabilityReport bounded = check(h, LinearizabilityOptions{20});
  ASSERT_EQ(bounded.keys.size(), 1u);
  EXPECT_EQ(bounded.keys[0].verdict, LinearizabilityVerdict::kUnknown);
  EXPECT_EQ(bounded.unknown_keys(), 1u);
  EXPECT_FALSE(bounded.first_violation().has_value());
  const LinearizabilityReport full = check(h);
  EXPECT_EQ(full.keys[0].verdict, LinearizabilityVerdict::kViolation);
  EXPECT_GT(full.total_steps(), 20u);
}

TEST(Linearizability, ReportIsDeterministic) {
  const HistoryBuilder h = heavily_concurrent_violation();
  const KeyLinearizability first = expect_violation(h);
  const KeyLinearizability second = expect_violation(h);
  EXPECT_EQ(first.detail, second.detail);
  EXPECT_EQ(first.op_ids, second.op_ids);
  EXPECT_EQ(first.steps, second.steps);
}

// --- Executions of a real register -------------------------------------------------------

struct ExecutionShape {
  size_t op_count = 40;
  size_t key_count = 2;
  uint64_t span_ms = 200;  // invokes fall in [0, span_ms)
  uint64_t max_duration_ms = 40;
};

struct PlannedOp {
  Op op;
  uint64_t effect_ms = 0;
  bool takes_effect = true;
};

// A write's outcome and whether (and when) it took effect. Acknowledged strong writes act
// within their interval; the others may act later than their completion, or never.
void plan_write(Prng& prng, PlannedOp& planned) {
  Op& op = planned.op;
  const uint64_t dice = prng.uniform(100);
  op.result = dice < 70 ? OpResult::kOk : dice < 85 ? OpResult::kFailed : OpResult::kIndeterminate;
  const bool bound = op.result == OpResult::kOk && op.quorum == kStrong;
  planned.takes_effect = bound || prng.one_in(2);
  planned.effect_ms =
      bound ? prng.range(op.invoke_ms, op.complete_ms) : op.invoke_ms + prng.uniform(150);
}

std::vector<PlannedOp> plan_execution(Prng& prng, const ExecutionShape& shape) {
  std::vector<PlannedOp> plan(shape.op_count);
  for (size_t i = 0; i < plan.size(); ++i) {
    Op& op = plan[i].op;
    op.id = i + 1;
    op.client = i % 12;
    const uint64_t dice = prng.uniform(100);
    op.kind = dice < 40 ? ClientOp::kPut : dice < 80 ? ClientOp::kGet : ClientOp::kDelete;
    op.key = "k" + std::to_string(prng.uniform(shape.key_count));
    if (op.kind == ClientOp::kPut) op.value = "v" + std::to_string(op.id);
    op.invoke_ms = prng.uniform(shape.span_ms);
    op.complete_ms = op.invoke_ms + prng.range(0, shape.max_duration_ms);
    op.quorum = prng.one_in(6) ? kWeak : kStrong;
    if (op.is_write()) {
      plan_write(prng, plan[i]);
    } else {
      plan[i].effect_ms = prng.range(op.invoke_ms, op.complete_ms);
    }
  }
  return plan;
}

// Applies the planned ops to a register in effect order and fills in what reads returned.
// Weak reads may return junk and some reads fail: the checker must ignore both.
History execute_register(uint64_t seed, const ExecutionShape& shape) {
  Prng prng(seed);
  std::vector<PlannedOp> plan = plan_execution(prng, shape);
  std::vector<size_t> order(plan.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&plan](size_t a, size_t b) { return plan[a].effect_ms < plan[b].effect_ms; });
  std::map<Key, std::optional<Value>> registers;
  for (size_t index : order) {
    PlannedOp& planned = plan[index];
    Op& op = planned.op;
    std::optional<Value>& value = registers[op.key];
    if (op.is_write()) {
      if (planned.takes_effect) {
        value = op.kind == ClientOp::kPut ? op.value : std::optional<Value>();
      }
      continue;
    }
    op.result = value ? OpResult::kOk : OpResult::kNotFound;
    op.value = value.value_or("");
    if (op.quorum == kWeak && prng.one_in(2)) op.value = "v" + std::to_string(prng.range(1, 40));
    if (prng.one_in(20)) op.result = prng.one_in(2) ? OpResult::kFailed : OpResult::kIndeterminate;
  }
  History history;
  for (PlannedOp& planned : plan) history.ops.push_back(std::move(planned.op));
  return history;
}

// Whether a read of `put`'s value by `read` is a violation whatever else happened: the PUT
// started after the read ended, or an acknowledged strong write came strictly between an
// acknowledged strong PUT and the read.
bool always_a_violation(const History& history, const Op& read, const Op& put) {
  if (put.invoke_ms > read.complete_ms) return true;
  auto strong_ok = [](const Op& op) { return op.result == OpResult::kOk && op.quorum == kStrong; };
  if (!strong_ok(put)) return false;
  return std::any_of(history.ops.begin(), history.ops.end(), [&](const Op& write) {
    return write.is_write() && write.id != put.id && write.key == read.key && strong_ok(write) &&
           put.complete_ms < write.invoke_ms && write.complete_ms < read.invoke_ms;
  });
}

struct Corruption {
  History history;
  uint64_t read_id = 0;
  bool always_a_violation = false;
};

// Makes one strong read return another value written to its key; nullopt if there is none.
std::optional<Corruption> corrupt_one_read(History history, Prng& prng) {
  std::vector<uint64_t> reads;
  for (const Op& op : history.ops) {
    const bool answered = op.result == OpResult::kOk || op.result == OpResult::kNotFound;
    if (!op.is_write() && op.quorum == kStrong && answered) reads.push_back(op.id);
  }
  if (reads.empty()) return std::nullopt;
  Op& read = history.at(reads[prng.uniform(reads.size())]);
  std::vector<uint64_t> puts;
  for (const Op& op : history.ops) {
    if (op.kind == ClientOp::kPut && op.key == read.key && op.value != read.value) {
      puts.push_back(op.id);
    }
  }
  if (puts.empty()) return std::nullopt;
  const Op& put = history.at(puts[prng.uniform(puts.size())]);
  read.value = put.value;
  read.result = OpResult::kOk;
  Corruption corruption{{}, read.id, always_a_violation(history, read, put)};
  corruption.history = std::move(history);
  return corruption;
}

struct LawOutcome {
  std::string failure;  // empty if the law holds
  bool always_a_violation = false;
  bool caught = false;
};

// The law, for one execution: the register's own history is linearizable (with no key
// left unknown), and a corrupted read that is a violation whatever the order is reported.
LawOutcome check_register_law(uint64_t seed, const ExecutionShape& shape) {
  LawOutcome outcome;
  const History history = execute_register(seed, shape);
  const LinearizabilityReport report = check_linearizability(history, kReplicationFactor);
  for (const KeyLinearizability& key : report.keys) {
    if (key.verdict != LinearizabilityVerdict::kLinearizable) {
      outcome.failure = "key " + key.key + " is " + linearizability_verdict_name(key.verdict) +
                        " in the register's own history: " + key.detail;
      return outcome;
    }
  }
  Prng prng(seed ^ 0x5eed);
  const std::optional<Corruption> corruption = corrupt_one_read(history, prng);
  if (!corruption) return outcome;
  const Op& read = corruption->history.at(corruption->read_id);
  const LinearizabilityReport corrupted =
      check_linearizability(corruption->history, kReplicationFactor);
  outcome.always_a_violation = corruption->always_a_violation;
  for (const KeyLinearizability& key : corrupted.keys) {
    if (key.key == read.key) outcome.caught = key.verdict == LinearizabilityVerdict::kViolation;
  }
  if (outcome.always_a_violation && !outcome.caught) {
    outcome.failure = "corrupted read not caught: " + read.describe() + "\nhistory of its key:";
    for (const Op& op : corruption->history.ops) {
      if (op.key == read.key) outcome.failure += "\n  " + op.describe();
    }
  }
  return outcome;
}

RC_GTEST_PROP(LinearizabilityProperty, RegisterExecutionsAreLinearizable, ()) {
  ExecutionShape shape;
  shape.op_count = *rc::gen::inRange<size_t>(1, 80);
  shape.key_count = *rc::gen::inRange<size_t>(1, 4);
  shape.span_ms = *rc::gen::inRange<uint64_t>(1, 400);
  shape.max_duration_ms = *rc::gen::inRange<uint64_t>(0, 80);
  const uint64_t seed = *rc::gen::arbitrary<uint64_t>();
  const LawOutcome outcome = check_register_law(seed, shape);
  RC_CLASSIFY(outcome.always_a_violation, "corruption always a violation");
  RC_CLASSIFY(outcome.caught, "corruption caught");
  RC_LOG() << "seed " << seed << ": " << outcome.failure;
  RC_ASSERT(outcome.failure.empty());
}

// The same law over fixed seeds, so that every run covers these executions.
TEST(Linearizability, RegisterExecutionsWithFixedSeeds) {
  size_t always = 0;
  size_t caught = 0;
  for (uint64_t seed = 1; seed <= 400; ++seed) {
    ExecutionShape shape;
    shape.op_count = 10 + seed % 120;
    shape.key_count = 1 + seed % 3;
    shape.span_ms = 20 + seed % 300;
    shape.max_duration_ms = seed % 60;
    const LawOutcome outcome = check_register_law(seed, shape);
    ASSERT_EQ(outcome.failure, "") << "seed " << seed;
    always += outcome.always_a_violation ? 1 : 0;
    caught += outcome.caught ? 1 : 0;
  }
  EXPECT_GT(always, 40u);  // the law above is exercised, not vacuous
  EXPECT_GE(caught, always);
}

// --- Agreement with an exhaustive search -------------------------------------------------

// The definition, searched naively: some subset of the optional writes and some order of
// them with the mandatory ops that a register accepts, where an op that completed before
// another was invoked comes first. Memoized on (ops placed or skipped, register value).
bool linearizable_by_exhaustive_search(const History& history) {
  std::vector<const Op*> ops;
  std::vector<bool> mandatory;
  for (const Op& op : history.ops) {
    const bool strong_ok = op.quorum == kStrong && op.result == OpResult::kOk;
    if (op.is_write()) {
      ops.push_back(&op);
      mandatory.push_back(strong_ok);
    } else if (op.quorum == kStrong &&
               (op.result == OpResult::kOk || op.result == OpResult::kNotFound)) {
      ops.push_back(&op);
      mandatory.push_back(true);
    }
  }
  const uint32_t all = (1u << ops.size()) - 1;
  std::set<std::pair<uint32_t, std::optional<Value>>> failed;
  std::function<bool(uint32_t, const std::optional<Value>&)> search =
      [&](uint32_t done, const std::optional<Value>& value) {
        if (done == all) return true;
        if (failed.count({done, value})) return false;
        for (size_t i = 0; i < ops.size(); ++i) {
          if (done & (1u << i)) continue;
          if (!mandatory[i] && search(done | (1u << i), value)) return true;  // never happens
          bool after_all_predecessors = true;
          for (size_t j = 0; j < ops.size(); ++j) {
            const bool pending = !(done & (1u << j)) && mandatory[j];
            if (pending && ops[j]->complete_ms < ops[i]->invoke_ms) after_all_predecessors = false;
          }
          if (!after_all_predecessors) continue;
          const Op& op = *ops[i];
          std::optional<Value> next = value;
          if (op.kind == ClientOp::kPut) next = op.value;
          if (op.kind == ClientOp::kDelete) next.reset();
          const bool read_ok = op.result == OpResult::kOk ? value == op.value : !value.has_value();
          if (op.kind == ClientOp::kGet && !read_ok) continue;
          if (search(done | (1u << i), next)) return true;
        }
        failed.insert({done, value});
        return false;
      };
  return search(0, std::nullopt);
}

// A small history of one key with arbitrary answers: reads return a written value, a value
// nobody wrote, or absent; writes have every outcome and both quorums.
History arbitrary_small_history(uint64_t seed) {
  Prng prng(seed);
  History history;
  const size_t count = prng.range(1, 9);
  for (size_t i = 0; i < count; ++i) {
    Op op;
    op.id = i + 1;
    op.key = "k";
    const uint64_t kind = prng.uniform(3);
    op.kind = kind == 0 ? ClientOp::kPut : kind == 1 ? ClientOp::kGet : ClientOp::kDelete;
    op.invoke_ms = prng.uniform(30);
    op.complete_ms = op.invoke_ms + prng.uniform(12);
    op.quorum = prng.one_in(5) ? kWeak : kStrong;
    const OpResult outcomes[] = {OpResult::kOk, OpResult::kOk, OpResult::kFailed,
                                 OpResult::kIndeterminate, OpResult::kPending};
    op.result = outcomes[prng.uniform(5)];
    if (op.kind == ClientOp::kPut) op.value = "v" + std::to_string(op.id);
    if (op.kind == ClientOp::kGet) {
      op.result = prng.one_in(3) ? OpResult::kNotFound : OpResult::kOk;
      op.value = op.result == OpResult::kOk ? "v" + std::to_string(prng.range(1, count + 1)) : "";
    }
    history.ops.push_back(op);
  }
  return history;
}

// A small execution of a real register, with one read corrupted half of the time: mostly
// linearizable, and the violations are near misses.
History small_register_history(uint64_t seed) {
  ExecutionShape shape;
  shape.op_count = 2 + seed % 11;
  shape.key_count = 1;
  shape.span_ms = 5 + seed % 40;
  shape.max_duration_ms = seed % 15;
  History history = execute_register(seed, shape);
  Prng prng(seed * 7 + 1);
  if (prng.one_in(2)) {
    if (std::optional<Corruption> corruption = corrupt_one_read(history, prng)) {
      history = std::move(corruption->history);
    }
  }
  return history;
}

// Empty if the checker and the exhaustive search agree on `history`.
std::string agreement_failure(const History& history, bool* linearizable = nullptr) {
  const bool expected = linearizable_by_exhaustive_search(history);
  if (linearizable) *linearizable = expected;
  const LinearizabilityReport report = check_linearizability(history, kReplicationFactor);
  const LinearizabilityVerdict verdict =
      report.keys.empty() ? LinearizabilityVerdict::kLinearizable : report.keys[0].verdict;
  if (verdict ==
      (expected ? LinearizabilityVerdict::kLinearizable : LinearizabilityVerdict::kViolation)) {
    return "";
  }
  std::string failure = std::string("checker says ") + linearizability_verdict_name(verdict) +
                        ", exhaustive search says " + (expected ? "linearizable" : "violation");
  for (const Op& op : history.ops) failure += "\n  " + op.describe();
  return failure;
}

RC_GTEST_PROP(LinearizabilityProperty, AgreesWithExhaustiveSearchOnSmallHistories, ()) {
  const uint64_t seed = *rc::gen::arbitrary<uint64_t>();
  const bool from_register = *rc::gen::arbitrary<bool>();
  const History history =
      from_register ? small_register_history(seed) : arbitrary_small_history(seed);
  const std::string failure = agreement_failure(history);
  RC_LOG() << "seed " << seed << (from_register ? " (register)" : "") << ": " << failure;
  RC_ASSERT(failure.empty());
}

TEST(Linearizability, AgreesWithExhaustiveSearchWithFixedSeeds) {
  size_t linearizable_count = 0;
  for (uint64_t seed = 1; seed <= 4000; ++seed) {
    const bool from_register = seed % 2 == 0;
    const History history =
        from_register ? small_register_history(seed) : arbitrary_small_history(seed);
    bool linearizable = false;
    ASSERT_EQ(agreement_failure(history, &linearizable), "")
        << "seed " << seed << (from_register ? " (register)" : "");
    linearizable_count += linearizable ? 1 : 0;
  }
  EXPECT_GT(linearizable_count, 1000u);  // both answers are exercised
  EXPECT_LT(linearizable_count, 3000u);
}

}  // namespace
}  // namespace ringkv::sim
