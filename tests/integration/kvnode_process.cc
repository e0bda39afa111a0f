#include "kvnode_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#ifndef KVNODE_PATH
#error "KVNODE_PATH must name the kvnode binary"
#endif

namespace ringkv::integration {
namespace {

inline constexpr auto kPollInterval = std::chrono::milliseconds(20);

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

uint64_t monotonic_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "ringkv-it-XXXXXX").string();
  char* made = ::mkdtemp(pattern.data());
  if (made == nullptr) std::abort();
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

KvnodeProcess::~KvnodeProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

void KvnodeProcess::start(const std::vector<std::string>& arguments, const std::string& log_path,
                          const std::vector<std::string>& environment,
                          const std::vector<std::string>& prefix) {
  std::vector<std::string> argv_strings = prefix;
  argv_strings.push_back(KVNODE_PATH);
  argv_strings.insert(argv_strings.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (std::string& argument : argv_strings) argv.push_back(argument.data());
  argv.push_back(nullptr);
  std::vector<std::string> environment_strings = environment;
  pid_t pid = ::fork();
  if (pid < 0) std::abort();
  if (pid == 0) {
    int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log >= 0) {
      ::dup2(log, STDOUT_FILENO);
      ::dup2(log, STDERR_FILENO);
    }
    for (std::string& entry : environment_strings) ::putenv(entry.data());
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;
}

bool KvnodeProcess::wait_healthy(const std::string& host, uint16_t port, bool rebuilt) {
  uint64_t deadline_ms = monotonic_ms() + kStartupTimeoutMs;
  while (monotonic_ms() < deadline_ms) {
    int status = 0;
    if (pid_ <= 0 || ::waitpid(pid_, &status, WNOHANG) == pid_) {
      if (pid_ > 0) exit_code_ = exit_code_of(status);
      pid_ = -1;
      return false;
    }
    runtime::HttpClient client(host, port, 1000);
    auto response = client.request("GET", "/health");
    if (response.ok() && response->status == 200 &&
        (!rebuilt || response->body.find("\"rebuilding\":true") == std::string::npos)) {
      return true;
    }
    std::this_thread::sleep_for(kPollInterval);  // polling interval, not synchronisation
  }
  return false;
}

std::optional<uint16_t> KvnodeProcess::wait_port_file(const std::string& path) {
  const uint64_t deadline_ms = monotonic_ms() + kStartupTimeoutMs;
  while (monotonic_ms() < deadline_ms) {
    int status = 0;
    if (pid_ <= 0 || ::waitpid(pid_, &status, WNOHANG) == pid_) {
      if (pid_ > 0) exit_code_ = exit_code_of(status);
      pid_ = -1;
      return std::nullopt;
    }
    const std::string text = read_file(path);  // renamed into place whole by kvnode
    const size_t colon = text.rfind(':');
    if (colon != std::string::npos) {
      const int port = std::atoi(text.c_str() + colon + 1);
      if (port > 0 && port <= 65535) return static_cast<uint16_t>(port);
    }
    std::this_thread::sleep_for(kPollInterval);  // polling interval, not synchronisation
  }
  return std::nullopt;
}

std::optional<int> KvnodeProcess::stop(int signal_number) {
  if (pid_ <= 0) return std::nullopt;
  ::kill(pid_, signal_number);
  return wait_exit();
}

void KvnodeProcess::signal(int signal_number) {
  if (pid_ > 0) ::kill(pid_, signal_number);
}

std::optional<int> KvnodeProcess::wait_exit() {
  if (pid_ <= 0) return std::nullopt;
  uint64_t deadline_ms = monotonic_ms() + kExitTimeoutMs;
  while (monotonic_ms() < deadline_ms) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      exit_code_ = exit_code_of(status);
      return exit_code_;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  return std::nullopt;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

}  // namespace ringkv::integration
