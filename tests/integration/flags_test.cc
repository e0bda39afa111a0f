// kvnode's configuration: bad flags exit 2 with one line naming the flag; the parser itself.
#include "runtime/flags.h"

#include <gtest/gtest.h>

#include "kvnode_process.h"

namespace ringkv::integration {
namespace {

using runtime::parse_flags;

runtime::EnvironmentLookup no_environment() {
  return [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
}

std::vector<std::string> valid_arguments() {
  return {"--id", "n1", "--listen", "127.0.0.1:8081", "--data-dir", "/tmp/unused"};
}

struct BadFlagCase {
  std::vector<std::string> extra;
  std::string flag;
};

TEST(FlagsProcessTest, BadFlagsExitTwoNamingTheFlag) {
  TempDir directory;
  std::vector<BadFlagCase> cases = {
      {{"--w", "0"}, "--w"},
      {{"--n", "3", "--w", "1", "--r", "1"}, "--w"},
      {{"--n", "3", "--w", "3", "--r", "1"}, "--r"},
      {{"--allow-weak-quorums", "yes"}, "--allow-weak-quorums"},
      {{"--r", "7"}, "--r"},
      {{"--listen", "nowhere"}, "--listen"},
      {{"--sync", "sometimes"}, "--sync"},
      {{"--bogus", "1"}, "--bogus"},
      {{"--peers", "n2=127.0.0.1"}, "--peers"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    std::vector<std::string> arguments = valid_arguments();
    arguments.insert(arguments.end(), cases[i].extra.begin(), cases[i].extra.end());
    std::string log = directory.path() + "/case" + std::to_string(i) + ".log";
    KvnodeProcess process;
    process.start(arguments, log);
    EXPECT_EQ(process.wait_exit(), std::optional<int>(2)) << cases[i].flag;
    std::string output = read_file(log);
    EXPECT_NE(output.find(cases[i].flag + ":"), std::string::npos) << output;
    EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 1) << output;
  }
}

TEST(FlagsProcessTest, MissingIdAndEnvironmentValuesAreChecked) {
  TempDir directory;
  KvnodeProcess missing;
  missing.start({"--listen", "127.0.0.1:8081", "--data-dir", "/tmp/x"},
                directory.path() + "/a.log");
  EXPECT_EQ(missing.wait_exit(), std::optional<int>(2));
  EXPECT_NE(read_file(directory.path() + "/a.log").find("--id:"), std::string::npos);

  KvnodeProcess from_environment;
  from_environment.start(valid_arguments(), directory.path() + "/b.log", {"KV_W=0"});
  EXPECT_EQ(from_environment.wait_exit(), std::optional<int>(2));
  // The error names what was given: the environment variable, not a flag nobody typed.
  EXPECT_NE(read_file(directory.path() + "/b.log").find("KV_W:"), std::string::npos)
      << read_file(directory.path() + "/b.log");

  KvnodeProcess help;
  help.start({"--help"}, directory.path() + "/c.log");
  EXPECT_EQ(help.wait_exit(), std::optional<int>(0));
  std::string text = read_file(directory.path() + "/c.log");
  for (const char* flag :
       {"--id", "--listen", "--peers", "--data-dir", "--advertise", "--n", "--w", "--r",
        "--cluster-token", "--sync", "--gossip-interval-ms", "--max-value-bytes",
        "--max-connections", "--log-level", "KV_DATA_DIR"}) {
    EXPECT_NE(text.find(flag), std::string::npos) << flag;
  }
  EXPECT_NE(text.find("(required; env KV_ID)"), std::string::npos) << text;
}

TEST(FlagsParserTest, FlagWinsOverEnvironmentAndDefaultsApply) {
  auto environment = [](std::string_view name) -> std::optional<std::string> {
    if (name == "KV_W") return "3";
    if (name == "KV_PEERS") return "n2=127.0.0.1:8082,n3=[::1]:8083";
    return std::nullopt;
  };
  std::vector<std::string> arguments = valid_arguments();
  arguments.push_back("--w=2");
  auto outcome = parse_flags(arguments, environment);
  ASSERT_TRUE(outcome.options) << outcome.error;
  EXPECT_EQ(outcome.options->config.write_quorum, 2u);
  ASSERT_EQ(outcome.options->peers.size(), 2u);
  EXPECT_EQ(outcome.options->peers[1].address, "[::1]:8083");
  EXPECT_EQ(outcome.options->advertise.to_string(), "127.0.0.1:8081");
  EXPECT_EQ(outcome.options->sync, SyncPolicy::kAlways);
}

TEST(FlagsParserTest, SingleNodeIsValidAndOwnIdInPeersIsNot) {
  std::vector<std::string> arguments = valid_arguments();
  for (const char* extra : {"--n", "1", "--w", "1", "--r", "1"}) arguments.push_back(extra);
  EXPECT_TRUE(parse_flags(arguments, no_environment()).options);
  arguments.push_back("--peers");
  arguments.push_back("n1=127.0.0.1:9999");
  auto outcome = parse_flags(arguments, no_environment());
  EXPECT_FALSE(outcome.options);
  EXPECT_EQ(outcome.error.rfind("--peers:", 0), 0u) << outcome.error;
}

// Errors name the flag or the environment variable that was given, and only flags that
// exist (a weak quorum is allowed by --allow-weak-quorums true, not by a Config field).
TEST(FlagsParserTest, ErrorsNameWhatWasGiven) {
  auto environment_with = [](std::string variable, std::string value) {
    return [variable, value](std::string_view name) -> std::optional<std::string> {
      if (name == variable) return value;
      return std::nullopt;
    };
  };
  auto error_of = [](const std::vector<std::string>& arguments,
                     const runtime::EnvironmentLookup& environment) {
    auto outcome = parse_flags(arguments, environment);
    EXPECT_FALSE(outcome.options);
    return outcome.error;
  };
  EXPECT_EQ(error_of(valid_arguments(), environment_with("KV_TIMEOUT_MS", "abc"))
                .rfind("KV_TIMEOUT_MS: ", 0),
            0u);
  std::vector<std::string> with_flag = valid_arguments();
  with_flag.insert(with_flag.end(), {"--timeout-ms", "abc"});
  EXPECT_EQ(error_of(with_flag, no_environment()).rfind("--timeout-ms: ", 0), 0u);

  std::vector<std::string> weak = valid_arguments();
  weak.insert(weak.end(), {"--w", "1", "--r", "1"});
  const std::string flag_error = error_of(weak, no_environment());
  EXPECT_EQ(flag_error.rfind("--w: ", 0), 0u) << flag_error;
  EXPECT_NE(flag_error.find("unless --allow-weak-quorums true is set"), std::string::npos)
      << flag_error;
  EXPECT_EQ(flag_error.find("allow_weak_quorums"), std::string::npos) << flag_error;

  const std::string environment_error = error_of(valid_arguments(), environment_with("KV_W", "1"));
  EXPECT_EQ(environment_error.rfind("KV_W: ", 0), 0u) << environment_error;
  EXPECT_NE(environment_error.find("--n (N=3)"), std::string::npos) << environment_error;
}

}  // namespace
}  // namespace ringkv::integration
