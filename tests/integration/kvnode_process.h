// Test helpers that run real kvnode processes on 127.0.0.1: a temporary directory and
// KvnodeProcess (fork/exec, stderr to a log file, the port it bound, SIGTERM/SIGKILL,
// bounded waits).
// A KvnodeProcess always kills its child when destroyed, whatever the test did.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/http_client.h"

namespace ringkv::integration {

// Every wait in these tests is bounded by this.
inline constexpr uint64_t kStartupTimeoutMs = 10000;
inline constexpr uint64_t kExitTimeoutMs = 10000;

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

uint64_t monotonic_ms();

class KvnodeProcess {
 public:
  KvnodeProcess() = default;
  ~KvnodeProcess();
  KvnodeProcess(const KvnodeProcess&) = delete;
  KvnodeProcess& operator=(const KvnodeProcess&) = delete;

  // Starts kvnode with `arguments` (and extra KEY=VALUE environment entries); stderr and
  // stdout go to `log_path`.
  // `prefix` runs it through another command (`ip netns exec NS`: the process keeps its pid).
  void start(const std::vector<std::string>& arguments, const std::string& log_path,
             const std::vector<std::string>& environment = {},
             const std::vector<std::string>& prefix = {});
  // Polls GET /health on `port` until it answers 200 and, with `rebuilt`, no longer
  // reports "rebuilding":true (a blank node pulls its peers' data first: one exchange on
  // a first boot); false after kStartupTimeoutMs or if the process exited.
  bool wait_healthy(const std::string& host, uint16_t port, bool rebuilt = true);
  // Waits for kvnode's --port-file (HOST:PORT) and returns its port; nullopt after
  // kStartupTimeoutMs or if the process exited first.
  std::optional<uint16_t> wait_port_file(const std::string& path);
  // Sends `signal_number` and waits for the exit; the exit code (128+signal if killed), or
  // nullopt after kExitTimeoutMs.
  std::optional<int> stop(int signal_number);
  // Sends `signal_number` without waiting (SIGSTOP / SIGCONT to pause and resume).
  void signal(int signal_number);
  // Waits for the process to exit by itself.
  std::optional<int> wait_exit();
  bool running() const { return pid_ > 0; }
  // How the process ended, once a wait saw it end (nullopt while it runs).
  std::optional<int> exit_code() const { return exit_code_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

std::string read_file(const std::string& path);

}  // namespace ringkv::integration
