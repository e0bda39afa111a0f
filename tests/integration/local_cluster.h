// LocalCluster: N kvnode processes on 127.0.0.1 with free ports and data directories in one
// TempDir, for integration tests. Nodes can be stopped and restarted on the same port and
// data; everything is killed when the cluster is destroyed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kvnode_process.h"

namespace ringkv::integration {

class LocalCluster {
 public:
  // `extra_arguments` are passed to every node (e.g. {"--n","1","--w","1","--r","1"}).
  LocalCluster(size_t node_count, std::vector<std::string> extra_arguments);

  // Starts node `index` and waits until it is healthy and, with `rebuilt`, no longer
  // rebuilding lost data.
  bool start(size_t index, bool rebuilt = true);
  // Waits until the running node `index` no longer reports "rebuilding":true.
  bool wait_rebuilt(size_t index) { return nodes_[index].process->wait_healthy(port(index)); }
  // Deletes node `index`'s data directory (a lost disk); the node must be stopped.
  void wipe(size_t index);
  bool start_all();
  std::optional<int> stop(size_t index, int signal_number);
  // Sends a signal without waiting (SIGSTOP / SIGCONT).
  void signal(size_t index, int signal_number);

  uint16_t port(size_t index) const { return nodes_[index].port; }
  std::string id(size_t index) const { return "n" + std::to_string(index + 1); }
  std::string log(size_t index) const { return read_file(nodes_[index].log_path); }
  std::unique_ptr<runtime::HttpClient> client(size_t index, uint64_t timeout_ms = 10000) const;
  // The value of the unlabelled metric `name` in node `index`'s /metrics, or -1.
  int64_t metric_value(size_t index, const std::string& name) const;
  const std::string& directory() const { return directory_.path(); }

 private:
  struct NodeSlot {
    uint16_t port = 0;
    std::string data_dir;
    std::string log_path;
    std::unique_ptr<KvnodeProcess> process;
  };
  std::vector<std::string> arguments(size_t index) const;

  TempDir directory_;
  std::vector<std::string> extra_arguments_;
  std::vector<NodeSlot> nodes_;
};

}  // namespace ringkv::integration
