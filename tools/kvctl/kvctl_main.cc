// kvctl: the everyday client for a ringkv cluster (see kvctl_usage() and
// docs/operations.md). Parses the command line, sends the command's requests (one; two
// for ring; with decommission/removenode --wait a poll a second until the change ends),
// prints the answer.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "runtime/http_client.h"
#include "tools/kvctl/change_wait.h"
#include "tools/kvctl/cluster_commands.h"
#include "tools/kvctl/error_output.h"
#include "tools/kvctl/key_commands.h"
#include "tools/kvctl/kvctl_options.h"
#include "tools/kvctl/membership_commands.h"
#include "tools/kvctl/put_value.h"

namespace ringkv::tools {
namespace {

constexpr int kConnectTimeoutMs = 2000;
constexpr int kDefaultRequestTimeoutMs = 15000;
constexpr int kServerTimeoutMarginMs = 5000;  // let the server's own deadline answer first
constexpr size_t kResponseHeaderAllowanceBytes = 64 * 1024;
constexpr std::chrono::milliseconds kWaitPollInterval{1000};

std::optional<std::string> lookup_environment(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

// Stdin up to its end or `max_bytes + 1` bytes, whichever comes first (one byte over is
// enough to know it is too large, without reading on).
Result<std::string> read_standard_input(uint64_t max_bytes) {
  std::string value;
  char buffer[64 * 1024];
  // Bounded: each pass but the last reads a full buffer, until the size limit. A short
  // read is end of file or an error (a terminal's ^D must not be read past).
  while (value.size() <= max_bytes) {
    const size_t wanted = std::min<uint64_t>(sizeof(buffer), max_bytes + 1 - value.size());
    const size_t count = std::fread(buffer, 1, wanted, stdin);
    value.append(buffer, count);
    if (count < wanted) break;
  }
  if (std::ferror(stdin)) {
    return Status::io_error(std::string("cannot read stdin: ") + std::strerror(errno));
  }
  return value;
}

// The value `put` sends, or a usage error (nothing is sent then).
Result<std::string> put_value(const KvctlOptions& options) {
  Result<ValueSource> source = put_value_source(options, isatty(STDIN_FILENO) == 1);
  if (!source.ok()) return source.status();
  Result<std::string> value = *source == ValueSource::kArgument
                                  ? Result<std::string>(options.arguments[1])
                                  : read_standard_input(options.max_value_bytes);
  if (!value.ok()) return value.status();
  RINGKV_RETURN_IF_ERROR(check_put_value(options, *source, *value));
  return value;
}

runtime::HttpClientOptions client_options(const KvctlOptions& options) {
  runtime::HttpClientOptions client;
  client.connect_timeout_ms = kConnectTimeoutMs;
  client.request_timeout_ms = options.timeout_ms.has_value()
                                  ? *options.timeout_ms + kServerTimeoutMarginMs
                                  : kDefaultRequestTimeoutMs;
  // A get may return a value as large as any node can be configured to accept.
  client.limits.max_body_bytes = kMaxValueBytesCeiling + kResponseHeaderAllowanceBytes;
  return client;
}

CommandOutput transport_error(const Status& status) {
  const bool no_connection = status.code() == StatusCode::kUnavailable;
  return {no_connection ? kExitCannotConnect : kExitServerError, "", status.message()};
}

CommandOutput run_key_command(const KvctlOptions& options) {
  std::string value;
  if (options.command == "put") {
    Result<std::string> put = put_value(options);
    if (!put.ok()) return {kExitUsage, "", put.status().message()};
    value = std::move(put).value();
  }
  runtime::HttpClient client(options.node, client_options(options));
  Result<wire::HttpResponse> response = client.send(build_key_request(options, std::move(value)));
  if (!response.ok()) return transport_error(response.status());
  return interpret_key_response(options, *response);
}

CommandOutput run_cluster_command(const KvctlOptions& options) {
  runtime::HttpClient client(options.node, client_options(options));
  std::vector<wire::HttpResponse> responses;
  for (const std::string& path : cluster_paths(options)) {  // at most two pages
    Result<wire::HttpResponse> response = client.send(build_cluster_request(options, path));
    if (!response.ok()) return transport_error(response.status());
    responses.push_back(std::move(response).value());
  }
  return interpret_cluster_responses(options, responses);
}

void print_now(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

// Polls the node once a second until `wait` says the change ended or --wait-timeout-s ran
// out (the poll under way then may overrun it by one request's timeout).
CommandOutput wait_for_change(const KvctlOptions& options, runtime::HttpClient& client) {
  using Clock = std::chrono::steady_clock;
  ChangeWait wait(options);
  const int timeout_s = options.wait_timeout_s.value_or(kDefaultWaitTimeoutS);
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(timeout_s);
  // Bounded: every poll but the last is followed by a second's sleep, so there are at
  // most timeout_s + 1 of them before the deadline.
  for (int poll = 0; poll <= timeout_s; ++poll) {
    std::vector<Result<wire::HttpResponse>> answers;
    for (const std::string& path : wait.poll_paths()) {  // at most two pages
      answers.push_back(client.send(build_cluster_request(options, path)));
      if (!answers.back().ok()) break;
    }
    WaitStep step = wait.handle_poll(answers);
    print_now(step.standard_output);
    if (step.end.has_value()) return std::move(*step.end);
    const Clock::time_point now = Clock::now();
    if (now >= deadline) break;
    std::this_thread::sleep_for(std::min<Clock::duration>(kWaitPollInterval, deadline - now));
  }
  return wait.handle_timeout();
}

CommandOutput run_membership_command(const KvctlOptions& options) {
  runtime::HttpClient client(options.node, client_options(options));
  Result<wire::HttpResponse> response = client.send(build_membership_request(options));
  if (!response.ok()) {
    CommandOutput failed = transport_error(response.status());
    if (failed.exit_code != kExitCannotConnect) {
      failed.error_message += " (the change may have been accepted: kvctl status shows it)";
    }
    return failed;
  }
  CommandOutput accepted = interpret_membership_response(options, *response);
  if (accepted.exit_code != kExitOk || !options.wait) return accepted;
  print_now(accepted.standard_output);
  return wait_for_change(options, client);
}

CommandOutput run_command(const ParsedCommandLine& parsed) {
  const KvctlOptions& options = parsed.options;
  if (!parsed.error.ok()) return {kExitUsage, "", parsed.error.message()};
  if (options.arguments.size() >= 1 && options.arguments.front().empty()) {
    return {kExitUsage, "", "KEY must not be empty"};
  }
  if (is_key_command(options.command)) return run_key_command(options);
  if (is_membership_command(options.command)) return run_membership_command(options);
  return run_cluster_command(options);
}

int run(int argc, char** argv) {
  std::vector<std::string_view> arguments(argv + 1, argv + argc);
  const ParsedCommandLine parsed = parse_kvctl_options(arguments, lookup_environment);
  if (parsed.error.ok() && parsed.options.command == "help") {
    std::cout << kvctl_usage();
    return kExitOk;
  }
  const CommandOutput output = json_error_output(parsed.options, run_command(parsed));
  print_now(output.standard_output);
  if (!output.error_message.empty()) std::cerr << "kvctl: " << output.error_message << "\n";
  return output.exit_code;
}

}  // namespace
}  // namespace ringkv::tools

int main(int argc, char** argv) { return ringkv::tools::run(argc, argv); }
