#include "local_cluster.h"

#include <chrono>
#include <filesystem>
#include <thread>

namespace ringkv::integration {

LocalCluster::LocalCluster(size_t node_count, std::vector<std::string> extra_arguments,
                           const NamespaceNetwork* network)
    : network_(network), extra_arguments_(std::move(extra_arguments)) {
  for (size_t i = 0; i < node_count; ++i) {
    NodeSlot slot;
    if (network_) {  // a host of its own: its port is free by construction
      slot.host = network_->node_address(i);
      slot.port = kNamespacePort;
    }
    slot.port_file = directory_.path() + "/n" + std::to_string(i + 1) + ".port";
    slot.data_dir = directory_.path() + "/data-n" + std::to_string(i + 1);
    slot.log_path = directory_.path() + "/n" + std::to_string(i + 1) + ".log";
    nodes_.push_back(std::move(slot));
  }
}

std::vector<std::string> LocalCluster::arguments(size_t index) const {
  std::string peers;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (i == index || nodes_[i].port == 0) continue;  // not started yet: learnt by gossip
    if (!peers.empty()) peers += ",";
    peers += id(i) + "=" + nodes_[i].host + ":" + std::to_string(nodes_[i].port);
  }
  std::vector<std::string> arguments = {"--id",
                                        id(index),
                                        "--listen",
                                        nodes_[index].host + ":" + std::to_string(nodes_[index].port),
                                        "--port-file",
                                        nodes_[index].port_file,
                                        "--data-dir",
                                        nodes_[index].data_dir,
                                        "--gossip-interval-ms",
                                        "200",
                                        "--log-level",
                                        "debug"};
  if (!peers.empty()) {
    arguments.push_back("--peers");
    arguments.push_back(peers);
  }
  arguments.insert(arguments.end(), extra_arguments_.begin(), extra_arguments_.end());
  return arguments;
}

bool LocalCluster::launch(size_t index) {
  NodeSlot& slot = nodes_[index];
  std::error_code ignored;
  std::filesystem::remove(slot.port_file, ignored);
  slot.process = std::make_unique<KvnodeProcess>();
  slot.process->start(arguments(index), slot.log_path, {},
                      network_ ? network_->exec_prefix(index) : std::vector<std::string>{});
  if (slot.port != 0) return true;
  std::optional<uint16_t> port = slot.process->wait_port_file(slot.port_file);
  if (!port) return false;
  slot.port = *port;
  return true;
}

bool LocalCluster::start(size_t index, bool rebuilt) {
  if (!launch(index)) return false;
  return nodes_[index].process->wait_healthy(nodes_[index].host, nodes_[index].port, rebuilt);
}

namespace {

size_t occurrences(const std::string& body, const std::string& what) {
  size_t seen = 0;
  for (size_t at = body.find(what); at != std::string::npos; at = body.find(what, at + 1)) {
    seen++;
  }
  return seen;
}

// A /cluster answer with exactly `members` members normal and no change in progress.
bool ring_settled(const std::string& body, size_t members) {
  return occurrences(body, "\"state\":\"normal\"") == members &&
         occurrences(body, "\"stage\":\"none\"") == 1;
}

}  // namespace

bool LocalCluster::wait_membership() const {
  const uint64_t deadline_ms = monotonic_ms() + kStartupTimeoutMs;
  while (monotonic_ms() < deadline_ms) {
    bool all = true;
    for (size_t i = 0; i < nodes_.size() && all; ++i) {
      // Alive to gossip, and every node normal in a ring with no change in progress (nodes
      // started later than the first join it one by one).
      auto cluster = client(i, 1000)->request("GET", "/cluster");
      all = cluster.ok() && occurrences(cluster->body, "\"status\":\"alive\"") == nodes_.size() &&
            ring_settled(cluster->body, nodes_.size());
    }
    if (all) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling, bounded above
  }
  return false;
}

bool LocalCluster::wait_ring(const std::vector<size_t>& members, uint64_t limit_ms) const {
  const uint64_t deadline_ms = monotonic_ms() + limit_ms;
  while (monotonic_ms() < deadline_ms) {
    bool all = true;
    for (size_t i : members) {
      auto cluster = client(i, 1000)->request("GET", "/cluster");
      all = all && cluster.ok() && ring_settled(cluster->body, members.size());
      if (!all) break;
    }
    if (all) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling, bounded above
  }
  return false;
}

void LocalCluster::wipe(size_t index) {
  std::error_code ignored;
  std::filesystem::remove_all(nodes_[index].data_dir, ignored);
}

bool LocalCluster::start_all() {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (!launch(i)) return false;
  }
  // Up first, then rebuilt: blank nodes pull from one another, so all must be up.
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (!nodes_[i].process->wait_healthy(nodes_[i].host, nodes_[i].port, false)) return false;
  }
  if (!wait_membership()) return false;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (!nodes_[i].process->wait_healthy(nodes_[i].host, nodes_[i].port)) return false;
  }
  return true;
}

std::optional<int> LocalCluster::stop(size_t index, int signal_number) {
  if (!nodes_[index].process) return std::nullopt;
  return nodes_[index].process->stop(signal_number);
}

void LocalCluster::signal(size_t index, int signal_number) {
  if (nodes_[index].process) nodes_[index].process->signal(signal_number);
}

std::unique_ptr<runtime::HttpClient> LocalCluster::client(size_t index, uint64_t timeout_ms) const {
  return std::make_unique<runtime::HttpClient>(nodes_[index].host, nodes_[index].port, timeout_ms);
}

int64_t LocalCluster::metric_value(size_t index, const std::string& name) const {
  auto metrics = client(index)->request("GET", "/metrics");
  if (!metrics.ok()) return -1;
  size_t at = metrics->body.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stoll(metrics->body.substr(at + name.size() + 2));
}

}  // namespace ringkv::integration
