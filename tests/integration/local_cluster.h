// LocalCluster: N kvnode processes on 127.0.0.1 and data directories in one TempDir, for
// integration tests. A node's first start listens on port 0 (kvnode picks a free one and
// writes it to --port-file), so no test can take another's port between choosing and
// binding it; each node names the ones started before it as peers and learns the later
// ones through gossip. Nodes can be stopped and restarted on the same port and data;
// everything is killed when the cluster is destroyed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kvnode_process.h"
#include "namespace_network.h"

namespace ringkv::integration {

class LocalCluster {
 public:
  // `extra_arguments` are passed to every node (e.g. {"--n","1","--w","1","--r","1"}).
  // With `network`, node i runs on its own host (namespace) at network->node_address(i),
  // port kNamespacePort; the calling thread is already in the clients' namespace.
  LocalCluster(size_t node_count, std::vector<std::string> extra_arguments,
               const NamespaceNetwork* network = nullptr);
  static constexpr uint16_t kNamespacePort = 8080;

  // Starts node `index` and waits until it is healthy and, with `rebuilt`, no longer
  // rebuilding lost data.
  bool start(size_t index, bool rebuilt = true);
  // Waits until the running node `index` no longer reports "rebuilding":true.
  bool wait_rebuilt(size_t index) {
    return nodes_[index].process->wait_healthy(nodes_[index].host, port(index));
  }
  // Deletes node `index`'s data directory (a lost disk); the node must be stopped.
  void wipe(size_t index);
  // Starts every node (first starts one at a time, each learning its port), then waits
  // until every node is healthy, sees every other alive, and has rebuilt.
  bool start_all();
  std::optional<int> stop(size_t index, int signal_number);
  // Waits (bounded) until node `index`'s process ends on its own; its exit code.
  std::optional<int> wait_exit(size_t index) {
    return nodes_[index].process ? nodes_[index].process->wait_exit() : std::nullopt;
  }
  // Waits (bounded by `limit_ms`) until each of `members` answers /cluster with exactly
  // `members.size()` members normal and no membership change in progress.
  bool wait_ring(const std::vector<size_t>& members, uint64_t limit_ms = 60000) const;
  // How node `index`'s process ended, once a wait saw it end.
  std::optional<int> exit_code(size_t index) const {
    return nodes_[index].process ? nodes_[index].process->exit_code() : std::nullopt;
  }
  // Sends a signal without waiting (SIGSTOP / SIGCONT).
  void signal(size_t index, int signal_number);

  uint16_t port(size_t index) const { return nodes_[index].port; }
  std::string id(size_t index) const { return "n" + std::to_string(index + 1); }
  std::string log(size_t index) const { return read_file(nodes_[index].log_path); }
  std::unique_ptr<runtime::HttpClient> client(size_t index, uint64_t timeout_ms = 10000) const;
  // The value of the unlabelled metric `name` in node `index`'s /metrics, or -1.
  int64_t metric_value(size_t index, const std::string& name) const;
  const std::string& directory() const { return directory_.path(); }
  const std::string& data_dir(size_t index) const { return nodes_[index].data_dir; }
  // Before its first start: node `index` keeps its data in `dir` (e.g. on a small disk).
  void set_data_dir(size_t index, std::string dir) { nodes_[index].data_dir = std::move(dir); }

 private:
  struct NodeSlot {
    std::string host = "127.0.0.1";
    uint16_t port = 0;  // 0 until its first start bound one
    std::string port_file;
    std::string data_dir;
    std::string log_path;
    std::unique_ptr<KvnodeProcess> process;
  };
  std::vector<std::string> arguments(size_t index) const;
  // Starts the process of node `index`; on a first start, waits for the port it bound.
  bool launch(size_t index);
  // True once every running node's /cluster lists every node alive.
  bool wait_membership() const;

  const NamespaceNetwork* network_;
  TempDir directory_;
  std::vector<std::string> extra_arguments_;
  std::vector<NodeSlot> nodes_;
};

}  // namespace ringkv::integration
