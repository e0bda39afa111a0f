// RuntimeOptions: everything kvnode is configured with, after flags and KV_* environment
// variables were parsed and validated (see flags.h). Plain value; the Config inside has
// passed Config::validate().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/host_port.h"
#include "core/driver/node_driver.h"
#include "core/node/node.h"
#include "runtime/logger.h"

namespace ringkv::runtime {

// SyncPolicy (always, batch, never) is the NodeDriver's: core/driver/node_driver.h.

struct RuntimeOptions {
  NodeId id;
  HostPort listen;  // port 0: the system picks one (reported in the log and --port-file)
  std::string port_file;  // written with the bound HOST:PORT once listening
  HostPort advertise;  // defaults to listen
  std::vector<Peer> peers;
  std::string data_dir;
  Config config;
  std::string cluster_token;  // empty: internal requests are not authenticated
  SyncPolicy sync = SyncPolicy::kAlways;
  uint64_t sync_batch_interval_ms = 5;
  uint32_t max_connections = 1024;
  uint64_t idle_timeout_ms = 60000;  // see ConnectionTimeouts (connection.h)
  uint64_t read_timeout_ms = 10000;
  uint64_t shutdown_grace_ms = 2000;
  uint64_t block_cache_bytes = 8ull << 20;  // the data store's block cache (0: none)
  LogLevel log_level = LogLevel::kInfo;
};

}  // namespace ringkv::runtime
