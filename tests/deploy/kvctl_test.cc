// kvctl's pure parts: command-line parsing, HOST:PORT, tables, the /cluster and /ring
// views, error descriptions and the requests key commands send.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tools/kvctl/cluster_commands.h"
#include "tools/kvctl/cluster_views.h"
#include "tools/kvctl/exit_codes.h"
#include "core/host_port.h"
#include "tools/kvctl/key_commands.h"
#include "tools/kvctl/kvctl_options.h"
#include "tools/kvctl/server_error.h"
#include "tools/kvctl/text_table.h"

namespace ringkv::tools {
namespace {

Result<KvctlOptions> parse(std::vector<std::string_view> arguments,
                           std::map<std::string, std::string> environment = {}) {
  return parse_kvctl_options(arguments, [&](std::string_view name) -> std::optional<std::string> {
    auto found = environment.find(std::string(name));
    if (found == environment.end()) return std::nullopt;
    return found->second;
  });
}

TEST(KvctlOptions, DefaultsToTheLocalNodeWithoutQuorumOverrides) {
  Result<KvctlOptions> options = parse({"get", "k"});
  ASSERT_TRUE(options.ok()) << options.status().message();
  EXPECT_EQ(options->node.to_string(), "127.0.0.1:8081");
  EXPECT_EQ(options->command, "get");
  EXPECT_EQ(options->arguments, std::vector<std::string>{"k"});
  EXPECT_FALSE(options->write_quorum.has_value());
  EXPECT_FALSE(options->json);
  EXPECT_TRUE(options->token.empty());
}

TEST(KvctlOptions, EnvironmentGivesDefaultsAndFlagsWin) {
  Result<KvctlOptions> from_environment =
      parse({"health"}, {{"RINGKV_NODE", "node2:8080"}, {"RINGKV_CLUSTER_TOKEN", "t1"}});
  ASSERT_TRUE(from_environment.ok());
  EXPECT_EQ(from_environment->node.to_string(), "node2:8080");
  EXPECT_EQ(from_environment->token, "t1");
  Result<KvctlOptions> flags =
      parse({"--node=127.0.0.1:9000", "--token", "t2", "health"}, {{"RINGKV_NODE", "node2:8080"}});
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(flags->node.port, 9000);
  EXPECT_EQ(flags->token, "t2");
}

TEST(KvctlOptions, OptionsMayFollowTheCommandUntilDoubleDash) {
  Result<KvctlOptions> options = parse({"put", "k", "--w", "3", "--json", "--", "--value"});
  ASSERT_TRUE(options.ok()) << options.status().message();
  EXPECT_EQ(options->write_quorum, 3);
  EXPECT_TRUE(options->json);
  EXPECT_EQ(options->arguments, (std::vector<std::string>{"k", "--value"}));
  Result<KvctlOptions> stdin_value = parse({"put", "k", "-"});
  ASSERT_TRUE(stdin_value.ok());
  EXPECT_EQ(stdin_value->arguments.back(), "-");
}

TEST(KvctlOptions, RejectsBadCommandLinesWithAMessage) {
  const std::vector<std::vector<std::string_view>> bad = {{},
                                                          {"frobnicate"},
                                                          {"get"},
                                                          {"get", "a", "b"},
                                                          {"put"},
                                                          {"status", "x"},
                                                          {"--w", "0", "put", "k", "v"},
                                                          {"--r", "many", "get", "k"},
                                                          {"--timeout-ms"},
                                                          {"--bogus", "health"},
                                                          {"--json=yes", "health"},
                                                          {"--node", "no-port", "health"},
                                                          {"--node", "h:70000", "health"}};
  for (const auto& arguments : bad) {
    Result<KvctlOptions> options = parse(arguments);
    EXPECT_FALSE(options.ok()) << "accepted argument list of size " << arguments.size();
    if (!options.ok()) {
      EXPECT_FALSE(options.status().message().empty());
    }
  }
}

TEST(KvctlOptions, ContextIsRetiredWithAClearError) {
  Result<KvctlOptions> options = parse({"--context", "4.n2", "put", "k", "v"});
  ASSERT_FALSE(options.ok());
  EXPECT_NE(options.status().message().find("--context was retired"), std::string::npos);
}

TEST(KvctlOptions, HelpNeedsNoCommand) {
  Result<KvctlOptions> options = parse({"--help"});
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->command, "help");
  EXPECT_NE(kvctl_usage().find("exit codes"), std::string_view::npos);
}

TEST(HostPort, ParsesNamesAddressesAndBracketedIpv6) {
  EXPECT_EQ(parse_host_port("node1:8080")->host, "node1");
  EXPECT_EQ(parse_host_port("[::1]:8081")->host, "::1");
  EXPECT_EQ(parse_host_port("[::1]:8081")->to_string(), "[::1]:8081");
  for (std::string_view bad : {"", "host", ":80", "host:", "host:0", "host:65536", "h:8x"}) {
    EXPECT_FALSE(parse_host_port(bad).ok()) << bad;
  }
}

TEST(TextTable, AlignsColumnsAndTrimsTrailingSpace) {
  TextTable table({"NODE", "STATUS", "X"});
  table.add_row({"n10", "alive", ""});
  table.add_row({"n2", "suspect"});
  EXPECT_EQ(table.render(),
            "NODE  STATUS   X\n"
            "n10   alive\n"
            "n2    suspect\n");
}

TEST(ClusterViews, MembershipTableFromKvnodeJsonSortedByNode) {
  Result<std::string> table = render_membership_table(
      R"({"node":"n1","members":[)"
      R"({"node_id":"n2","address":"10.0.0.2:8080","incarnation":4,"heartbeat":17,)"
      R"("status":"down"},)"
      R"({"node_id":"n1","address":"10.0.0.1:8080","incarnation":1,"heartbeat":9,)"
      R"("status":"alive"}]})");
  ASSERT_TRUE(table.ok()) << table.status().message();
  EXPECT_EQ(*table,
            "NODE  ADDRESS        STATUS  INCARNATION  HEARTBEAT\n"
            "n1    10.0.0.1:8080  alive   1            9\n"
            "n2    10.0.0.2:8080  down    4            17\n");
}

TEST(ClusterViews, RingTableShowsSharesAsPercentages) {
  Result<std::string> table = render_ring_table(
      R"({"vnodes_per_node":100,"nodes":[{"node_id":"n2","primary_share":0.25,"vnodes":100},)"
      R"({"node_id":"n1","primary_share":0.75,"vnodes":100}]})");
  ASSERT_TRUE(table.ok()) << table.status().message();
  EXPECT_EQ(*table, "NODE  VNODES  SHARE\nn1    100     75.0%\nn2    100     25.0%\n");
  Result<std::string> percentages = render_ring_table(R"({"nodes":{"n1":60,"n2":40}})");
  ASSERT_TRUE(percentages.ok());
  EXPECT_EQ(*percentages, "NODE  SHARE\nn1    60.0%\nn2    40.0%\n");
}

TEST(ClusterViews, UnexpectedShapesAreErrorsNotCrashes) {
  for (std::string_view body :
       {"", "not json", "{}", "[1,2]", R"({"nodes":[{"node_id":"n1"}]})", R"({"members":7})"}) {
    EXPECT_FALSE(render_ring_table(body).ok()) << body;
  }
  EXPECT_FALSE(render_membership_table("{\"members\":7}").ok());
  EXPECT_FALSE(render_membership_table("[").ok());
}

TEST(ServerError, QuotesTheErrorWithAcksAndRequired) {
  wire::HttpResponse quorum;
  quorum.status = 503;
  quorum.body = R"({"error":"write quorum not reached","acks":1,"required":2})";
  EXPECT_EQ(describe_error_response(quorum),
            "503 Service Unavailable: write quorum not reached (acks 1, required 2)");
  quorum.body = R"({"error":"write quorum not reached","acks":2,"required":3,"version":"7.n1"})";
  EXPECT_EQ(describe_error_response(quorum),
            "503 Service Unavailable: write quorum not reached (acks 2, required 3); the write "
            "may still take effect, at version 7.n1");
  wire::HttpResponse plain;
  plain.status = 500;
  plain.body = "boom\n";
  EXPECT_EQ(describe_error_response(plain), "500 Internal Server Error: boom");
  plain.body = std::string("\x01\x02", 2);
  EXPECT_EQ(describe_error_response(plain), "500 Internal Server Error");
}

TEST(KeyCommands, RequestsCarryTheEncodedKeyQueryAndHeaders) {
  Result<KvctlOptions> options =
      parse({"--w", "2", "--r", "1", "--timeout-ms", "300", "put", "a b/c"});
  ASSERT_TRUE(options.ok());
  wire::HttpRequest put = build_key_request(*options, "value");
  EXPECT_EQ(put.method, "PUT");
  EXPECT_EQ(put.target, "/kv/a%20b%2Fc?w=2&timeout_ms=300");
  EXPECT_EQ(put.body, "value");
  EXPECT_EQ(put.header("X-Context"), nullptr);
  options->command = "get";
  wire::HttpRequest get = build_key_request(*options, "ignored");
  EXPECT_EQ(get.method, "GET");
  EXPECT_EQ(get.target, "/kv/a%20b%2Fc?r=1&timeout_ms=300");
  EXPECT_TRUE(get.body.empty());
}

TEST(KeyCommands, ResponsesMapToOutputAndExitCodes) {
  Result<KvctlOptions> options = parse({"get", "k"});
  ASSERT_TRUE(options.ok());
  wire::HttpResponse found;
  found.status = 200;
  found.body = std::string("\xff\x00", 2);
  found.headers = {{"X-Version", "9.n3"}};
  CommandOutput raw = interpret_key_response(*options, found);
  EXPECT_EQ(raw.exit_code, kExitOk);
  EXPECT_EQ(raw.standard_output, found.body);
  options->json = true;
  EXPECT_EQ(interpret_key_response(*options, found).standard_output,
            "{\"key\":\"k\",\"value_b64\":\"/wA=\",\"version\":\"9.n3\"}\n");
  wire::HttpResponse missing;
  missing.status = 404;
  EXPECT_EQ(interpret_key_response(*options, missing).exit_code, kExitNotFound);
  wire::HttpResponse unavailable;
  unavailable.status = 503;
  EXPECT_EQ(interpret_key_response(*options, unavailable).exit_code, kExitServerError);
}

TEST(ClusterCommands, HealthOfARebuildingNodeIsNotReady) {
  Result<KvctlOptions> options = parse({"--node", "127.0.0.1:8082", "health"});
  ASSERT_TRUE(options.ok());
  wire::HttpResponse ready;
  ready.status = 200;
  ready.body = R"({"status":"ok","state":"normal","node":"n2","rebuilding":false,"reasons":[]})";
  CommandOutput ok = interpret_cluster_response(*options, ready);
  EXPECT_EQ(ok.exit_code, kExitOk);
  EXPECT_EQ(ok.standard_output, "127.0.0.1:8082 ok (node n2)\n");
  wire::HttpResponse rebuilding = ready;
  rebuilding.body = R"({"status":"degraded","state":"normal","node":"n2","rebuilding":true,"reasons":["waiting for n1"]})";
  CommandOutput waiting = interpret_cluster_response(*options, rebuilding);
  EXPECT_EQ(waiting.exit_code, kExitRebuilding);
  EXPECT_EQ(waiting.standard_output, "127.0.0.1:8082 rebuilding (node n2): waiting for n1\n");
  options->json = true;
  EXPECT_EQ(interpret_cluster_response(*options, rebuilding).exit_code, kExitRebuilding);
}

}  // namespace
}  // namespace ringkv::tools
