// NamespaceNetwork: hosts of their own for real-process tests. One network namespace per
// node and one for the clients, each with a veth pair into a bridge that lives in a
// namespace of its own; addresses in a private /24 that exists only inside these
// namespaces. The calling thread moves into the clients' namespace (threads it starts
// later inherit it) and moves back on destruction, which also deletes every namespace
// (and with them the links and rules). Faults are nftables rules inside a node's
// namespace: isolation, one-way partitions, healing. Needs root; available() says why not.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace ringkv::integration {

class NamespaceNetwork {
 public:
  // Why namespaces cannot be made here (not root, no `ip`, no netns support), or nullopt.
  static std::optional<std::string> unavailable();

  explicit NamespaceNetwork(size_t nodes);
  ~NamespaceNetwork();
  NamespaceNetwork(const NamespaceNetwork&) = delete;
  NamespaceNetwork& operator=(const NamespaceNetwork&) = delete;

  // Empty when the setup worked; else what failed (the namespaces made so far are gone).
  const std::string& error() const { return error_; }
  std::string node_address(size_t node) const;
  // `ip netns exec <node's namespace>`: prefix of a command to run on that host.
  std::vector<std::string> exec_prefix(size_t node) const;

  // Node `node` neither sends to nor receives from any other host (clients included).
  bool isolate(size_t node);
  // Node `node` receives nothing from the other nodes, but can still send to them (and
  // clients still reach it).
  bool cut_inbound_from_peers(size_t node);
  // Removes every rule on node `node`'s host.
  bool heal(size_t node);
  bool heal_all();

 private:
  std::string namespace_of(size_t node) const;
  bool nft(size_t node, const std::string& script);
  void teardown();

  size_t nodes_;
  std::string prefix_;
  std::string error_;
  std::vector<std::string> made_;  // namespaces to delete
  int original_namespace_fd_ = -1;
};

}  // namespace ringkv::integration
