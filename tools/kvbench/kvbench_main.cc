// kvbench: closed-loop HTTP/1.1 load generator for ringkv, etcd's v3 JSON gateway and a
// fixed-answer server (tools/bench-cluster runs it). `kvbench --help` lists the flags.
#include <netdb.h>
#include <uv.h>

#include <csignal>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "tools/kvbench/bench_report.h"
#include "tools/kvbench/kvbench_options.h"
#include "tools/kvbench/load_generator.h"

namespace {

using ringkv::Result;
using ringkv::Status;
using ringkv::HostPort;

// A numeric address directly, a name through getaddrinfo (once, before the loop starts).
Result<sockaddr_storage> resolve(const HostPort& host) {
  sockaddr_storage address{};
  if (uv_ip4_addr(host.host.c_str(), host.port, reinterpret_cast<sockaddr_in*>(&address)) == 0 ||
      uv_ip6_addr(host.host.c_str(), host.port, reinterpret_cast<sockaddr_in6*>(&address)) == 0) {
    return address;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(host.port);
  const int error = getaddrinfo(host.host.c_str(), port.c_str(), &hints, &found);
  if (error != 0 || found == nullptr) {
    return Status::invalid_argument("--hosts: cannot resolve '" + host.host +
                                    "': " + gai_strerror(error));
  }
  std::memcpy(&address, found->ai_addr, found->ai_addrlen);
  freeaddrinfo(found);
  return address;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a write to a closed socket is an error, not a kill
  const std::vector<std::string_view> arguments(argv + 1, argv + argc);
  Result<ringkv::tools::KvbenchOptions> options = ringkv::tools::parse_kvbench_options(arguments);
  if (!options.ok()) {
    std::cerr << "kvbench: " << options.status().message() << "\n";
    return 2;
  }
  if (options->help) {
    std::cout << ringkv::tools::kvbench_usage();
    return 0;
  }
  std::vector<sockaddr_storage> addresses;
  for (const HostPort& host : options->hosts) {
    Result<sockaddr_storage> address = resolve(host);
    if (!address.ok()) {
      std::cerr << "kvbench: " << address.status().message() << "\n";
      return 2;
    }
    addresses.push_back(*address);
  }
  ringkv::tools::RunResult result;
  {
    ringkv::tools::LoadGenerator generator(*options, std::move(addresses));
    result = generator.run();
  }
  std::cout << (options->json ? ringkv::tools::format_json_report(*options, result)
                              : ringkv::tools::format_text_report(*options, result));
  const std::string failures = ringkv::tools::run_failures(*options, result);
  if (failures.empty()) return 0;
  size_t start = 0;
  while (start < failures.size()) {
    const size_t end = failures.find('\n', start);
    std::cerr << "kvbench: " << failures.substr(start, end - start) << "\n";
    start = end == std::string::npos ? failures.size() : end + 1;
  }
  return 1;
}
