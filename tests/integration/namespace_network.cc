#include "namespace_network.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace ringkv::integration {
namespace {

constexpr const char* kIp = "/usr/sbin/ip";
constexpr const char* kNft = "/usr/sbin/nft";
constexpr const char* kSubnet = "10.213.7.";  // exists only inside the namespaces
constexpr int kClientHost = 100;
constexpr const char* kBridge = "br0";

// Runs `command` (no shell), output discarded; true on exit status 0.
bool run_quietly(const std::vector<std::string>& command) {
  std::vector<char*> argv;
  std::vector<std::string> words = command;
  for (std::string& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) {
      ::dup2(null, STDOUT_FILENO);
      ::dup2(null, STDERR_FILENO);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

std::optional<std::string> NamespaceNetwork::unavailable() {
  if (::geteuid() != 0) return "network namespaces need root";
  if (!std::filesystem::exists(kIp)) return std::string(kIp) + " is missing (iproute2)";
  if (!std::filesystem::exists(kNft)) return std::string(kNft) + " is missing (nftables)";
  const std::string probe = "ringkv-probe-" + std::to_string(::getpid());
  if (!run_quietly({kIp, "netns", "add", probe})) return "`ip netns add` failed here";
  run_quietly({kIp, "netns", "del", probe});
  return std::nullopt;
}

NamespaceNetwork::NamespaceNetwork(size_t nodes)
    : nodes_(nodes), prefix_("rkv" + std::to_string(::getpid()) + "-") {
  const std::string bridge = prefix_ + "br";
  auto step = [&](const std::vector<std::string>& command) {
    if (!error_.empty()) return;
    if (!run_quietly(command)) {
      error_ = "setup failed at:";
      for (const std::string& word : command) error_ += " " + word;
    }
  };
  step({kIp, "netns", "add", bridge});
  made_.push_back(bridge);
  step({kIp, "-n", bridge, "link", "add", kBridge, "type", "bridge"});
  step({kIp, "-n", bridge, "link", "set", kBridge, "up"});
  // Hosts 0..nodes-1 are the nodes (.1, .2, ...), the last one the clients (.100).
  for (size_t host = 0; host <= nodes_; ++host) {
    const bool client = host == nodes_;
    const std::string name = client ? prefix_ + "c" : namespace_of(host);
    const std::string port = client ? "pc" : "p" + std::to_string(host);
    const std::string address =
        kSubnet + std::to_string(client ? kClientHost : static_cast<int>(host) + 1) + "/24";
    step({kIp, "netns", "add", name});
    made_.push_back(name);
    step({kIp, "link", "add", "v0", "netns", name, "type", "veth", "peer", "name", port, "netns",
          bridge});
    step({kIp, "-n", name, "addr", "add", address, "dev", "v0"});
    step({kIp, "-n", name, "link", "set", "v0", "up"});
    step({kIp, "-n", name, "link", "set", "lo", "up"});
    step({kIp, "-n", bridge, "link", "set", port, "master", kBridge});
    step({kIp, "-n", bridge, "link", "set", port, "up"});
  }
  if (!error_.empty()) {
    teardown();
    return;
  }
  original_namespace_fd_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  const std::string client_path = "/run/netns/" + prefix_ + "c";
  const int client_fd = ::open(client_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (original_namespace_fd_ < 0 || client_fd < 0 || ::setns(client_fd, CLONE_NEWNET) != 0) {
    error_ = "cannot enter the clients' namespace " + client_path;
    if (client_fd >= 0) ::close(client_fd);
    teardown();
    return;
  }
  ::close(client_fd);
}

NamespaceNetwork::~NamespaceNetwork() { teardown(); }

void NamespaceNetwork::teardown() {
  if (original_namespace_fd_ >= 0) {
    (void)::setns(original_namespace_fd_, CLONE_NEWNET);
    ::close(original_namespace_fd_);
    original_namespace_fd_ = -1;
  }
  for (auto it = made_.rbegin(); it != made_.rend(); ++it) run_quietly({kIp, "netns", "del", *it});
  made_.clear();
}

std::string NamespaceNetwork::namespace_of(size_t node) const {
  return prefix_ + "n" + std::to_string(node + 1);
}

std::string NamespaceNetwork::node_address(size_t node) const {
  return kSubnet + std::to_string(node + 1);
}

std::vector<std::string> NamespaceNetwork::exec_prefix(size_t node) const {
  return {kIp, "netns", "exec", namespace_of(node)};
}

bool NamespaceNetwork::nft(size_t node, const std::string& script) {
  return run_quietly({kIp, "netns", "exec", namespace_of(node), kNft, script});
}

bool NamespaceNetwork::isolate(size_t node) {
  heal(node);
  return nft(node,
             "add table inet ringkv_nemesis; "
             "add chain inet ringkv_nemesis in { type filter hook input priority 0; policy accept; }; "
             "add chain inet ringkv_nemesis out { type filter hook output priority 0; policy accept; }; "
             "add rule inet ringkv_nemesis in iifname != \"lo\" drop; "
             "add rule inet ringkv_nemesis out oifname != \"lo\" drop");
}

bool NamespaceNetwork::cut_inbound_from_peers(size_t node) {
  heal(node);
  std::string peers;
  for (size_t other = 0; other < nodes_; ++other) {
    if (other == node) continue;
    peers += (peers.empty() ? "" : ", ") + node_address(other);
  }
  return nft(node,
             "add table inet ringkv_nemesis; "
             "add chain inet ringkv_nemesis in { type filter hook input priority 0; policy accept; }; "
             "add rule inet ringkv_nemesis in ip saddr { " + peers + " } drop");
}

bool NamespaceNetwork::heal(size_t node) {
  // Deleting a table that is not there fails: healing a healthy host is fine.
  (void)nft(node, "delete table inet ringkv_nemesis");
  return true;
}

bool NamespaceNetwork::heal_all() {
  for (size_t node = 0; node < nodes_; ++node) heal(node);
  return true;
}

}  // namespace ringkv::integration
