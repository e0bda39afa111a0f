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
  EXPECT_NE(read_file(directory.path() + "/b.log").find("--w:"), std::string::npos);

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

}  // namespace
}  // namespace ringkv::integration
