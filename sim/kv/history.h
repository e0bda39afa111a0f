// History: every client operation of a simulation run with its invoke and complete times
// (virtual ms), outcome and version. Values are unique per write, so a value read names
// the write that produced it. The checkers read it after the run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/node/client.h"
#include "core/types.h"
#include "core/version.h"

namespace ringkv::sim {

enum class OpResult : uint8_t {
  kPending,
  kOk,             // write acknowledged / read found a value
  kNotFound,       // read: nothing or a tombstone
  kFailed,         // definite error answer (the write may still have been applied)
  kIndeterminate,  // no answer before the client gave up (coordinator crashed, lost, late)
};
const char* op_result_name(OpResult result);

struct Op {
  uint64_t id = 0;
  size_t client = 0;
  ClientOp kind = ClientOp::kGet;
  Key key;
  Value value;  // written value (PUT) or value read (GET, kOk)
  size_t coordinator = 0;
  uint64_t invoke_ms = 0;
  uint64_t complete_ms = 0;
  OpResult result = OpResult::kPending;
  uint32_t quorum = 0;  // the W (writes) or R (reads) this request used
  Version version;  // written or read version (zero if none)
  std::string error;

  bool is_write() const { return kind != ClientOp::kGet; }
  std::string describe() const;
};

// A replica dropped a tombstone (purge); from then on "nothing" there means "deleted at
// `version`", and no value at or below it may come back.
struct Purge {
  Key key;
  Version version;
  std::string node;
  uint64_t time_ms = 0;
};

// A node's disk was lost (replaced blank). Writes it alone acknowledged are gone: weak
// writes (2W <= N) acknowledged before it may be lost; strong ones never are.
struct Wipe {
  std::string node;
  uint64_t time_ms = 0;
};

struct History {
  std::vector<Op> ops;  // ops[i].id == i + 1
  std::vector<Purge> purges;  // in time order
  std::vector<Wipe> wipes;    // in time order
  // The highest tombstone version of `key` purged at or before `time_ms` (zero: none).
  Version purged_by(const Key& key, uint64_t time_ms) const;
  Op& at(uint64_t id) { return ops[id - 1]; }
  const Op& at(uint64_t id) const { return ops[id - 1]; }
};

}  // namespace ringkv::sim
