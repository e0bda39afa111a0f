// kvctl: the everyday client for a ringkv cluster (see kvctl_usage() and
// docs/operations.md). Parses the command line, sends one request, prints the answer.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/http_client.h"
#include "tools/kvctl/cluster_commands.h"
#include "tools/kvctl/key_commands.h"
#include "tools/kvctl/kvctl_options.h"

namespace ringkv::tools {
namespace {

constexpr size_t kMaxValueBytes = 64 * 1024 * 1024;  // stdin and response bodies
constexpr int kConnectTimeoutMs = 2000;
constexpr int kDefaultRequestTimeoutMs = 15000;
constexpr int kServerTimeoutMarginMs = 5000;  // let the server's own deadline answer first

std::optional<std::string> lookup_environment(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

// All of stdin, or nullopt when it is larger than kMaxValueBytes.
std::optional<std::string> read_standard_input() {
  std::string value;
  char buffer[64 * 1024];
  // Bounded: each pass reads >= 1 byte until end of file or the size limit.
  while (size_t count = std::fread(buffer, 1, sizeof(buffer), stdin)) {
    if (value.size() + count > kMaxValueBytes) return std::nullopt;
    value.append(buffer, count);
  }
  return value;
}

runtime::HttpClientOptions client_options(const KvctlOptions& options) {
  runtime::HttpClientOptions client;
  client.connect_timeout_ms = kConnectTimeoutMs;
  client.request_timeout_ms = options.timeout_ms.has_value()
                                  ? *options.timeout_ms + kServerTimeoutMarginMs
                                  : kDefaultRequestTimeoutMs;
  client.limits.max_body_bytes = kMaxValueBytes + 64 * 1024;
  return client;
}

CommandOutput run_command(const KvctlOptions& options) {
  std::string value;
  if (options.command == "put") {
    if (options.arguments.size() == 2 && options.arguments[1] != "-") {
      value = options.arguments[1];
    } else if (std::optional<std::string> input = read_standard_input()) {
      value = *std::move(input);
    } else {
      return {kExitUsage, "", "the value on stdin is larger than 64 MiB"};
    }
  }
  if (options.arguments.size() >= 1 && options.arguments.front().empty()) {
    return {kExitUsage, "", "KEY must not be empty"};
  }
  const bool key_command = is_key_command(options.command);
  wire::HttpRequest request =
      key_command ? build_key_request(options, std::move(value)) : build_cluster_request(options);
  runtime::HttpClient client(options.node, client_options(options));
  Result<wire::HttpResponse> response = client.send(std::move(request));
  if (!response.ok()) {
    const bool no_connection = response.status().code() == StatusCode::kUnavailable;
    return {no_connection ? kExitCannotConnect : kExitServerError, "", response.status().message()};
  }
  return key_command ? interpret_key_response(options, *response)
                     : interpret_cluster_response(options, *response);
}

int run(int argc, char** argv) {
  std::vector<std::string_view> arguments(argv + 1, argv + argc);
  Result<KvctlOptions> options = parse_kvctl_options(arguments, lookup_environment);
  if (!options.ok()) {
    std::cerr << "kvctl: " << options.status().message() << "\n";
    return kExitUsage;
  }
  if (options->command == "help") {
    std::cout << kvctl_usage();
    return kExitOk;
  }
  const CommandOutput output = run_command(*options);
  std::fwrite(output.standard_output.data(), 1, output.standard_output.size(), stdout);
  std::fflush(stdout);
  if (!output.error_message.empty()) std::cerr << "kvctl: " << output.error_message << "\n";
  return output.exit_code;
}

}  // namespace
}  // namespace ringkv::tools

int main(int argc, char** argv) { return ringkv::tools::run(argc, argv); }
