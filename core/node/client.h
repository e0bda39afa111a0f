// Client requests and responses as the Node sees them: already parsed and decoded by the
// driver (runtime: HTTP; simulator: generated). The runtime maps ClientOutcome to HTTP:
// kOk -> 200/204, kNotFound -> 404, kBadRequest -> 400, kQuorumFailed -> 503,
// kOverloaded -> 503, kStorageError -> 500, kInsufficientStorage -> 507 (see
// docs/design-notes.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/types.h"
#include "core/version.h"

namespace ringkv {

enum class ClientOp : uint8_t { kGet, kPut, kDelete };
const char* client_op_name(ClientOp op);

struct ClientRequest {
  ClientOp op = ClientOp::kGet;
  Key key;
  Value value;                            // kPut only
  std::optional<uint32_t> write_quorum;   // ?w=, 1..N
  std::optional<uint32_t> read_quorum;    // ?r=, 1..N
  std::optional<uint64_t> timeout_ms;     // ?timeout_ms=, 1..max_timeout_ms
};

enum class ClientOutcome : uint8_t {
  kOk,            // write acknowledged by W replicas, or read found a value
  kNotFound,      // read found nothing or a tombstone
  kBadRequest,    // invalid key, value or option; `error` says which
  kQuorumFailed,  // deadline passed with acks < required
  kOverloaded,    // max_inflight_requests reached
  kStorageError,  // the local store failed
  // Replicas refused the write for lack of disk space, so W can no longer be reached; a
  // write stamped before may still take effect where it was stored (indeterminate).
  kInsufficientStorage,
};
const char* client_outcome_name(ClientOutcome outcome);

struct ClientResponse {
  ClientOutcome outcome = ClientOutcome::kOk;
  // Written version, or version read (also for tombstones). A failed write carries the
  // version it was stamped with, if it got that far: it may still take effect, at it.
  Version version;
  Value value;      // reads
  uint32_t acks = 0;
  uint32_t required = 0;
  std::string error;
};

}  // namespace ringkv
