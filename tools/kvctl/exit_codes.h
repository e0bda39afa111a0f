// kvctl's exit codes: the contract scripts rely on (documented in docs/operations.md).
#pragma once

namespace ringkv::tools {

enum ExitCode : int {
  kExitOk = 0,
  kExitNotFound = 1,       // GET of a key that does not exist (or is deleted)
  kExitUsage = 2,          // bad command line
  kExitServerError = 3,    // the server answered with an error (quorum failure, 4xx, 5xx)
                           // or stopped answering (timeout, connection lost, bad HTTP)
  kExitCannotConnect = 4,  // no connection could be opened to the node
  kExitRebuilding = 5,     // health: the node answers but rebuilds lost data (not ready)
  kExitWaitTimedOut = 6,   // decommission/removenode --wait: --wait-timeout-s ran out while
                           // the change went on (it still does)
};

}  // namespace ringkv::tools
