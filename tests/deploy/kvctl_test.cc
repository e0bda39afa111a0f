// kvctl's pure parts: command-line parsing, HOST:PORT, tables, the /cluster and /ring
// views, error descriptions and the requests key commands send.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/host_port.h"
#include "core/wire/json_writer.h"
#include "tools/kvctl/change_wait.h"
#include "tools/kvctl/cluster_commands.h"
#include "tools/kvctl/cluster_views.h"
#include "tools/kvctl/error_output.h"
#include "tools/kvctl/exit_codes.h"
#include "tools/kvctl/key_commands.h"
#include "tools/kvctl/kvctl_options.h"
#include "tools/kvctl/membership_commands.h"
#include "tools/kvctl/put_value.h"
#include "tools/kvctl/server_error.h"
#include "tools/kvctl/text_table.h"

namespace ringkv::tools {
namespace {

ParsedCommandLine parse_command_line(std::vector<std::string_view> arguments,
                                     std::map<std::string, std::string> environment = {}) {
  return parse_kvctl_options(arguments, [&](std::string_view name) -> std::optional<std::string> {
    auto found = environment.find(std::string(name));
    if (found == environment.end()) return std::nullopt;
    return found->second;
  });
}

Result<KvctlOptions> parse(std::vector<std::string_view> arguments,
                           std::map<std::string, std::string> environment = {}) {
  ParsedCommandLine parsed = parse_command_line(std::move(arguments), std::move(environment));
  if (!parsed.error.ok()) return parsed.error;
  return parsed.options;
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

// A bad node address names where it came from: the variable or the flag.
TEST(KvctlOptions, BadNodeNamesTheVariableOrTheFlagThatGaveIt) {
  Result<KvctlOptions> from_environment = parse({"health"}, {{"RINGKV_NODE", "garbage"}});
  ASSERT_FALSE(from_environment.ok());
  EXPECT_EQ(from_environment.status().message().rfind("RINGKV_NODE: ", 0), 0u)
      << from_environment.status().message();
  Result<KvctlOptions> from_flag = parse({"--node", "garbage", "health"}, {{"RINGKV_NODE", "a:1"}});
  ASSERT_FALSE(from_flag.ok());
  EXPECT_EQ(from_flag.status().message().rfind("--node: ", 0), 0u) << from_flag.status().message();
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

TEST(KvctlOptions, JsonIsKnownEvenWhenTheCommandLineIsWrong) {
  for (const std::vector<std::string_view>& arguments :
       std::vector<std::vector<std::string_view>>{{"--bogus", "--json", "get", "k"},
                                                  {"--json", "--w", "x", "get", "k"},
                                                  {"get", "--json"},
                                                  {"--json"}}) {
    ParsedCommandLine parsed = parse_command_line(arguments);
    EXPECT_FALSE(parsed.error.ok()) << arguments.size();
    EXPECT_TRUE(parsed.options.json) << arguments.size();
  }
  ParsedCommandLine unknown = parse_command_line({"--bogus", "--w", "x", "--json", "get", "k"});
  EXPECT_NE(unknown.error.message().find("unknown option '--bogus'"), std::string::npos);
  EXPECT_FALSE(parse_command_line({"--node", "--json", "get", "k"}).options.json);
  EXPECT_FALSE(parse_command_line({"put", "k", "--", "--json"}).options.json);
}

TEST(KvctlOptions, MetricsHasNoJsonForm) {
  ParsedCommandLine parsed = parse_command_line({"--json", "metrics"});
  ASSERT_FALSE(parsed.error.ok());
  EXPECT_NE(parsed.error.message().find("drop --json"), std::string::npos);
  EXPECT_TRUE(parse_command_line({"metrics"}).error.ok());
}

TEST(KvctlOptions, MaxValueBytesDefaultsToTheNodesLimitAndIsBoundedByItsCeiling) {
  EXPECT_EQ(parse({"get", "k"})->max_value_bytes, kDefaultMaxValueBytes);
  EXPECT_EQ(parse({"--max-value-bytes", "2097152", "put", "k", "v"})->max_value_bytes,
            uint64_t{2097152});
  EXPECT_TRUE(parse({"--max-value-bytes", std::to_string(kMaxValueBytesCeiling), "put", "k"}).ok());
  EXPECT_FALSE(
      parse({"--max-value-bytes", std::to_string(kMaxValueBytesCeiling + 1), "put", "k"}).ok());
  EXPECT_FALSE(parse({"--max-value-bytes", "0", "put", "k"}).ok());
}

TEST(KvctlOptions, HelpStatesTheNodesValueLimit) {
  const std::string usage = kvctl_usage();
  EXPECT_NE(usage.find("default: " + size_text(kDefaultMaxValueBytes)), std::string::npos);
  EXPECT_NE(usage.find("at most " + size_text(kMaxValueBytesCeiling)), std::string::npos);
  EXPECT_EQ(size_text(kDefaultMaxValueBytes), "1 MiB");
  EXPECT_EQ(size_text(65536), "64 KiB");
  EXPECT_EQ(size_text(1000), "1000 bytes");
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
  EXPECT_NE(kvctl_usage().find("exit codes"), std::string::npos);
}

TEST(KvctlOptions, WaitIsForMembershipChangesAndItsTimeoutNeedsIt) {
  Result<KvctlOptions> decommission = parse({"decommission", "--wait"});
  ASSERT_TRUE(decommission.ok()) << decommission.status().message();
  EXPECT_TRUE(decommission->wait);
  EXPECT_FALSE(decommission->wait_timeout_s.has_value());
  Result<KvctlOptions> removal = parse({"--wait", "--wait-timeout-s=30", "removenode", "n3"});
  ASSERT_TRUE(removal.ok()) << removal.status().message();
  EXPECT_EQ(removal->wait_timeout_s, 30);
  EXPECT_EQ(removal->arguments, std::vector<std::string>{"n3"});
  EXPECT_TRUE(parse({"removenode", "n3"}).ok());
  EXPECT_TRUE(
      parse({"--wait-timeout-s", std::to_string(kMaxWaitTimeoutS), "--wait", "decommission"}).ok());
  const std::vector<std::pair<std::vector<std::string_view>, std::string_view>> bad = {
      {{"--wait", "get", "k"}, "are for decommission and removenode"},
      {{"--wait", "--wait-timeout-s", "5", "status"}, "are for decommission and removenode"},
      {{"--wait-timeout-s", "5", "decommission"}, "--wait-timeout-s needs --wait"},
      {{"--wait", "--wait-timeout-s", "0", "decommission"}, "needs a number in 1..604800"},
      {{"--wait", "--wait-timeout-s", "604801", "decommission"}, "needs a number in 1.."},
      {{"--wait=yes", "decommission"}, "--wait takes no value"},
      {{"decommission", "n3"}, "usage: kvctl [options] decommission [--wait]"},
      {{"removenode"}, "usage: kvctl [options] removenode ID [--wait]"},
      {{"removenode", ""}, "ID must not be empty"}};
  for (const auto& [arguments, message] : bad) {
    Result<KvctlOptions> options = parse(arguments);
    ASSERT_FALSE(options.ok()) << message;
    EXPECT_NE(options.status().message().find(message), std::string::npos)
        << options.status().message();
  }
}

TEST(KvctlOptions, HelpDescribesTheMembershipCommandsAndTheWaitExitCode) {
  const std::string usage = kvctl_usage();
  for (std::string_view text : {"decommission ", "removenode ID", "--wait ", "--wait-timeout-s N",
                                "(default 3600", "6 --wait timed out"}) {
    EXPECT_NE(usage.find(text), std::string::npos) << text;
  }
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
  // A node that predates membership changes gives no states ("-") and no ring line.
  EXPECT_EQ(*table,
            "NODE  ADDRESS        STATUS  STATE  INCARNATION  HEARTBEAT\n"
            "n1    10.0.0.1:8080  alive   -      1            9\n"
            "n2    10.0.0.2:8080  down    -      4            17\n");
}

constexpr std::string_view kJoinStreaming =
    R"({"node":"n1","ring":{"epoch":7,"stage":"streaming","owner":"n1",)"
    R"("change":"join of n4 at stage streaming"},"members":[)"
    R"({"node_id":"n4","address":"h4:1","status":"alive","state":"joining","incarnation":1,)"
    R"("heartbeat":5,"stream":{"ranges_done":3,"ranges_total":8,"bytes_done":12345,)"
    R"("bytes_total":99999}},)"
    R"({"node_id":"n1","address":"h1:1","status":"alive","state":"normal","incarnation":2,)"
    R"("heartbeat":9}]})";

TEST(ClusterViews, MembershipTableShowsTheRingChangeStatesAndStreamingProgress) {
  Result<std::string> table = render_membership_table(kJoinStreaming);
  ASSERT_TRUE(table.ok()) << table.status().message();
  EXPECT_EQ(
      *table,
      "ring epoch 7: join of n4 at stage streaming (run by n1)\n"
      "NODE  ADDRESS  STATUS  STATE    INCARNATION  HEARTBEAT  PROGRESS\n"
      "n1    h1:1     alive   normal   2            9\n"
      "n4    h4:1     alive   joining  1            5          3/8 ranges, 12.1 KiB/97.7 KiB\n");
  Result<std::string> quiet = render_membership_table(
      R"({"node":"n1","ring":{"epoch":9,"stage":"none","owner":"","change":""},)"
      R"("members":[{"node_id":"n1","status":"alive","state":"normal"}]})");
  ASSERT_TRUE(quiet.ok()) << quiet.status().message();
  EXPECT_EQ(*quiet,
            "ring epoch 9: no membership change in progress\n"
            "NODE  ADDRESS  STATUS  STATE   INCARNATION  HEARTBEAT\n"
            "n1             alive   normal\n");
}

TEST(ClusterViews, ReadsTheMembershipChangePartsAndLeavesOutMalformedOnes) {
  Result<ClusterChanges> changes = read_cluster_changes(kJoinStreaming);
  ASSERT_TRUE(changes.ok()) << changes.status().message();
  EXPECT_EQ(changes->node, "n1");
  ASSERT_TRUE(changes->ring.has_value());
  EXPECT_EQ(changes->ring->epoch, 7u);
  EXPECT_EQ(changes->ring->stage, "streaming");
  ASSERT_NE(find_member(*changes, "n4"), nullptr);
  EXPECT_EQ(find_member(*changes, "n4")->state, "joining");
  EXPECT_EQ(find_member(*changes, "n4")->stream->bytes_total, 99999u);
  EXPECT_FALSE(find_member(*changes, "n1")->stream.has_value());
  EXPECT_EQ(find_member(*changes, "n3"), nullptr);
  Result<ClusterChanges> malformed = read_cluster_changes(
      R"({"ring":{"stage":"joint"},"members":[{"node_id":"n1","stream":{"ranges_done":-1,)"
      R"("ranges_total":2,"bytes_done":0,"bytes_total":0}}]})");
  ASSERT_TRUE(malformed.ok()) << malformed.status().message();
  EXPECT_FALSE(malformed->ring.has_value());  // no epoch
  EXPECT_FALSE(malformed->members.front().stream.has_value());
  EXPECT_FALSE(read_cluster_changes(R"({"members":7})").ok());
}

TEST(RingChange, SizesProgressAndTotals) {
  EXPECT_EQ(approximate_size_text(0), "0 bytes");
  EXPECT_EQ(approximate_size_text(1023), "1023 bytes");
  EXPECT_EQ(approximate_size_text(1024), "1.0 KiB");
  EXPECT_EQ(approximate_size_text(12345), "12.1 KiB");
  EXPECT_EQ(approximate_size_text(3 * (uint64_t{1} << 30) / 2), "1.5 GiB");
  EXPECT_EQ(approximate_size_text(uint64_t{5} << 50), "5120.0 TiB");
  EXPECT_EQ(stream_progress_text({3, 8, 12345, 99999}), "3/8 ranges, 12.1 KiB/97.7 KiB");
  EXPECT_EQ(stream_progress_text({3, 8, 12345, 0}), "3/8 ranges, 12.1 KiB");  // total unknown
  ClusterChanges changes;
  EXPECT_FALSE(total_stream_progress(changes).has_value());
  changes.members = {{"n1", "normal", StreamProgress{1, 2, 10, 20}},
                     {"n2", "leaving", std::nullopt},
                     {"n3", "normal", StreamProgress{3, 4, 30, 40}}};
  const std::optional<StreamProgress> total = total_stream_progress(changes);
  ASSERT_TRUE(total.has_value());
  EXPECT_EQ(stream_progress_text(*total), "4/6 ranges, 40 bytes/60 bytes");
  EXPECT_EQ(ring_summary_text({4, "joint", "", ""}), "ring epoch 4: a change at stage joint");
}

constexpr std::string_view kTwoMembers =
    R"({"node":"n1","members":[{"node_id":"n1","status":"alive"},)"
    R"({"node_id":"n2","status":"down"}]})";

TEST(ClusterViews, RingTableShowsSharesAsPercentagesWithEachNodeStatus) {
  Result<std::string> table = render_ring_table(
      R"({"vnodes_per_node":100,"nodes":[{"node_id":"n2","primary_share":0.25,"vnodes":100},)"
      R"({"node_id":"n1","primary_share":0.75,"vnodes":100}]})",
      kTwoMembers);
  ASSERT_TRUE(table.ok()) << table.status().message();
  EXPECT_EQ(*table,
            "NODE  STATUS  VNODES  SHARE\n"
            "n1    alive   100     75.0%\n"
            "n2    down    100     25.0%\n");
  Result<std::string> percentages =
      render_ring_table(R"({"nodes":{"n1":60,"n3":40}})", kTwoMembers);
  ASSERT_TRUE(percentages.ok());
  EXPECT_EQ(*percentages, "NODE  STATUS   SHARE\nn1    alive    60.0%\nn3    unknown  40.0%\n");
}

TEST(ClusterViews, RingJsonGainsEachNodeStatus) {
  Result<std::string> json = ring_json_with_status(
      R"({"vnodes_per_node":100,"nodes":[{"node_id":"n1","primary_share":0.5,"vnodes":100},)"
      R"({"node_id":"n2","primary_share":0.5,"vnodes":100,"status":"stale"}]})",
      kTwoMembers);
  ASSERT_TRUE(json.ok()) << json.status().message();
  EXPECT_EQ(*json, R"({"vnodes_per_node":100,"nodes":[)"
                   R"({"node_id":"n1","primary_share":0.5,"vnodes":100,"status":"alive"},)"
                   R"({"node_id":"n2","primary_share":0.5,"vnodes":100,"status":"down"}]})"
                   "\n");
  EXPECT_FALSE(ring_json_with_status(R"({"nodes":[]})", "{}").ok());
  EXPECT_FALSE(ring_json_with_status("{\"nodes\":[]}\xff", kTwoMembers).ok());
}

TEST(ClusterViews, UnexpectedShapesAreErrorsNotCrashes) {
  for (std::string_view body :
       {"", "not json", "{}", "[1,2]", R"({"nodes":[{"node_id":"n1"}]})", R"({"members":7})"}) {
    EXPECT_FALSE(render_ring_table(body, kTwoMembers).ok()) << body;
    EXPECT_FALSE(ring_json_with_status(body, kTwoMembers).ok()) << body;
  }
  for (std::string_view cluster_body : {"", "not json", "{}", R"({"members":7})"}) {
    EXPECT_FALSE(render_ring_table(R"({"nodes":{"n1":1}})", cluster_body).ok()) << cluster_body;
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

TEST(PutValue, ComesFromTheArgumentStdinOrNowhere) {
  Result<KvctlOptions> with_value = parse({"put", "k", "v"});
  Result<KvctlOptions> with_dash = parse({"put", "k", "-"});
  Result<KvctlOptions> bare = parse({"put", "k"});
  ASSERT_TRUE(with_value.ok() && with_dash.ok() && bare.ok());
  for (bool terminal : {false, true}) {
    EXPECT_EQ(*put_value_source(*with_value, terminal), ValueSource::kArgument);
    EXPECT_EQ(*put_value_source(*with_dash, terminal), ValueSource::kStandardInput);
  }
  EXPECT_EQ(*put_value_source(*bare, false), ValueSource::kImplicitStandardInput);
  Result<ValueSource> on_terminal = put_value_source(*bare, true);
  ASSERT_FALSE(on_terminal.ok());
  EXPECT_NE(on_terminal.status().message().find("'-' to read it from stdin"), std::string::npos);
}

TEST(PutValue, EmptyStdinNeedsTheDashAndTheLimitIsTheNodes) {
  Result<KvctlOptions> options = parse({"put", "k"});
  ASSERT_TRUE(options.ok());
  EXPECT_FALSE(check_put_value(*options, ValueSource::kImplicitStandardInput, "").ok());
  EXPECT_TRUE(check_put_value(*options, ValueSource::kStandardInput, "").ok());
  EXPECT_TRUE(check_put_value(*options, ValueSource::kArgument, "").ok());
  const std::string largest(kDefaultMaxValueBytes, 'x');
  EXPECT_TRUE(check_put_value(*options, ValueSource::kStandardInput, largest).ok());
  const Status over = check_put_value(*options, ValueSource::kArgument, largest + "x");
  EXPECT_EQ(over.message(),
            "the value is 1048577 bytes, over the limit of 1048576 bytes (1 MiB) that nodes "
            "accept by default (if yours run with a larger --max-value-bytes, pass the same to "
            "kvctl)");
  options->max_value_bytes = 1000;
  EXPECT_EQ(
      check_put_value(*options, ValueSource::kStandardInput, std::string(1001, 'x')).message(),
      "the value on stdin is over the limit of 1000 bytes (--max-value-bytes)");
}

TEST(ErrorOutput, WithJsonTheErrorIsOneJsonLineOnStdout) {
  Result<KvctlOptions> options = parse({"--json", "get", "user/42"});
  ASSERT_TRUE(options.ok());
  CommandOutput output = json_error_output(*options, {kExitNotFound, "", "not found", 404});
  EXPECT_EQ(output.exit_code, kExitNotFound);
  EXPECT_EQ(output.standard_output,
            "{\"error\":\"not found\",\"key\":\"user/42\",\"http_status\":404}\n");
  EXPECT_TRUE(output.error_message.empty());
  const CommandOutput binary =
      json_error_output(*options, {kExitServerError, "", "500 Internal Server Error: \xff"});
  EXPECT_TRUE(wire::valid_utf8(binary.standard_output));
  options->json = false;
  EXPECT_EQ(json_error_output(*options, {kExitNotFound, "", "not found"}).error_message,
            "not found");
  Result<KvctlOptions> status = parse({"--json", "status"});
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(json_error_output(*status, {kExitCannotConnect, "", "cannot connect"}).standard_output,
            "{\"error\":\"cannot connect\"}\n");
}

TEST(ErrorOutput, KeysAreShownAsTyped) {
  EXPECT_EQ(key_for_message("user/42"), "user/42");
  EXPECT_EQ(key_for_message("a b\xc3\xa7"), "a b\xc3\xa7");
  EXPECT_EQ(key_for_message("two\nlines"), "\"two\\nlines\"");
  EXPECT_EQ(key_for_message("\xff"), "\"\\ufffd\"");
  Result<KvctlOptions> options = parse({"get", "user/42"});
  ASSERT_TRUE(options.ok());
  wire::HttpResponse missing;
  missing.status = 404;
  EXPECT_EQ(interpret_key_response(*options, missing).error_message, "not found: user/42");
}

TEST(ClusterCommands, RingReadsTheRingThenTheMembership) {
  Result<KvctlOptions> options = parse({"ring"});
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(cluster_paths(*options), (std::vector<std::string>{"/ring", "/cluster"}));
  std::vector<wire::HttpResponse> responses(2);
  responses[0].status = 200;
  responses[0].body = R"({"nodes":[{"node_id":"n2","primary_share":1.0}]})";
  responses[1].status = 200;
  responses[1].body = kTwoMembers;
  EXPECT_EQ(interpret_cluster_responses(*options, responses).standard_output,
            "NODE  STATUS  SHARE\nn2    down    100.0%\n");
  responses[1].status = 401;
  responses[1].body = R"({"error":"bad token"})";
  const CommandOutput refused = interpret_cluster_responses(*options, responses);
  EXPECT_EQ(refused.exit_code, kExitServerError);
  EXPECT_EQ(refused.http_status, 401);
}

TEST(ClusterCommands, JsonPassesOnlyJson) {
  Result<KvctlOptions> options = parse({"--json", "status"});
  ASSERT_TRUE(options.ok());
  std::vector<wire::HttpResponse> responses(1);
  responses[0].status = 200;
  responses[0].body = "<html>proxy</html>";
  EXPECT_EQ(interpret_cluster_responses(*options, responses).exit_code, kExitServerError);
  responses[0].body = std::string(kTwoMembers);
  const CommandOutput passed = interpret_cluster_responses(*options, responses);
  EXPECT_EQ(passed.exit_code, kExitOk);
  EXPECT_EQ(passed.standard_output, std::string(kTwoMembers) + "\n");
}

TEST(ClusterCommands, HealthOfARebuildingNodeIsNotReady) {
  Result<KvctlOptions> options = parse({"--node", "127.0.0.1:8082", "health"});
  ASSERT_TRUE(options.ok());
  wire::HttpResponse ready;
  ready.status = 200;
  ready.body = R"({"status":"ok","state":"normal","node":"n2","rebuilding":false,"reasons":[]})";
  CommandOutput ok = interpret_cluster_responses(*options, {&ready, 1});
  EXPECT_EQ(ok.exit_code, kExitOk);
  EXPECT_EQ(ok.standard_output, "127.0.0.1:8082 ok (node n2)\n");
  wire::HttpResponse rebuilding = ready;
  rebuilding.body =
      R"({"status":"degraded","state":"normal","node":"n2","rebuilding":true,"reasons":["waiting for n1"]})";
  CommandOutput waiting = interpret_cluster_responses(*options, {&rebuilding, 1});
  EXPECT_EQ(waiting.exit_code, kExitRebuilding);
  EXPECT_EQ(waiting.standard_output, "127.0.0.1:8082 rebuilding (node n2): waiting for n1\n");
  options->json = true;
  EXPECT_EQ(interpret_cluster_responses(*options, {&rebuilding, 1}).exit_code, kExitRebuilding);
}

wire::HttpResponse answer(int status, std::string body) {
  wire::HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

TEST(MembershipCommands, PostToTheAdminPathsWithTheIdEncodedAndTheToken) {
  Result<KvctlOptions> decommission = parse({"--token", "t", "decommission"});
  ASSERT_TRUE(decommission.ok());
  const wire::HttpRequest leave = build_membership_request(*decommission);
  EXPECT_EQ(leave.method, "POST");
  EXPECT_EQ(leave.target, "/admin/decommission");
  ASSERT_NE(leave.header("X-Cluster-Token"), nullptr);
  EXPECT_EQ(*leave.header("X-Cluster-Token"), "t");
  Result<KvctlOptions> removal = parse({"removenode", "n 3/\xc3\xa7"});
  ASSERT_TRUE(removal.ok());
  const wire::HttpRequest remove = build_membership_request(*removal);
  EXPECT_EQ(remove.method, "POST");
  EXPECT_EQ(remove.target, "/admin/removenode?id=n%203%2F%C3%A7");
  EXPECT_EQ(remove.header("X-Cluster-Token"), nullptr);
  EXPECT_TRUE(is_membership_command("decommission") && is_membership_command("removenode"));
  EXPECT_FALSE(is_membership_command("status"));
}

TEST(MembershipCommands, AcceptedPrintsTheChangeAndEpochRefusedIsTheServersError) {
  Result<KvctlOptions> options = parse({"decommission"});
  ASSERT_TRUE(options.ok());
  const wire::HttpResponse accepted =
      answer(202, R"({"accepted":true,"change":"decommission of n3","epoch":7})"
                  "\n");
  const CommandOutput ok = interpret_membership_response(*options, accepted);
  EXPECT_EQ(ok.exit_code, kExitOk);
  EXPECT_EQ(ok.standard_output, "decommission of n3 accepted (ring epoch 7)\n");
  options->json = true;
  EXPECT_EQ(interpret_membership_response(*options, accepted).standard_output, accepted.body);
  options->json = false;
  const std::vector<std::pair<wire::HttpResponse, std::string>> refusals = {
      {answer(409, R"({"error":"a membership change is in progress: join of n4 at stage joint"})"),
       "409 Conflict: a membership change is in progress: join of n4 at stage joint"},
      {answer(400, R"({"error":"the cluster would keep 2 members, fewer than the replication )"
                   R"(factor 3"})"),
       "400 Bad Request: the cluster would keep 2 members, fewer than the replication factor 3"},
      {answer(404, R"({"error":"n9 is not a member"})"), "404 Not Found: n9 is not a member"}};
  for (const auto& [response, message] : refusals) {
    const CommandOutput refused = interpret_membership_response(*options, response);
    EXPECT_EQ(refused.exit_code, kExitServerError) << message;
    EXPECT_EQ(refused.error_message, message);
    EXPECT_EQ(refused.http_status, response.status);
    EXPECT_TRUE(refused.standard_output.empty());
  }
  for (std::string body : {"", "{}", R"({"accepted":false})", "<html>ok</html>"}) {
    const CommandOutput unclear = interpret_membership_response(*options, answer(200, body));
    EXPECT_EQ(unclear.exit_code, kExitServerError) << body;
    EXPECT_NE(unclear.error_message.find("does not say the decommission was accepted"),
              std::string::npos)
        << unclear.error_message;
  }
}

// One poll's answers for ChangeWait: the pages that came back, or the error that ended it.
std::vector<Result<wire::HttpResponse>> poll(std::vector<std::string> bodies,
                                             std::optional<Status> failure = std::nullopt) {
  std::vector<Result<wire::HttpResponse>> answers;
  for (std::string& body : bodies) answers.emplace_back(answer(200, std::move(body)));
  if (failure.has_value()) answers.emplace_back(*failure);
  return answers;
}

std::string health(std::string_view state) {
  return R"({"status":"ok","state":")" + std::string(state) + R"(","node":"n3"})";
}

std::string leaving_cluster(std::string_view stage, uint64_t ranges_done) {
  return R"({"node":"n3","ring":{"epoch":8,"stage":")" + std::string(stage) +
         R"(","owner":"n3","change":"decommission of n3"},"members":[)"
         R"({"node_id":"n1","state":"normal","stream":{"ranges_done":)" +
         std::to_string(ranges_done) +
         R"(,"ranges_total":8,"bytes_done":12345,"bytes_total":99999}},)"
         R"({"node_id":"n3","state":"leaving"}]})";
}

ChangeWait waiting(std::vector<std::string_view> arguments) {
  arguments.push_back("--wait");
  Result<KvctlOptions> options = parse(arguments);
  RINGKV_ASSERT(options.ok());
  return ChangeWait(*options);
}

TEST(ChangeWait, DecommissionPrintsEachChangeOfProgressUntilTheNodeSaysLeft) {
  ChangeWait wait = waiting({"--node", "127.0.0.1:8083", "decommission"});
  EXPECT_EQ(wait.poll_paths(), (std::vector<std::string>{"/health", "/cluster"}));
  WaitStep joint = wait.handle_poll(poll({health("leaving"), leaving_cluster("joint", 0)}));
  EXPECT_EQ(joint.standard_output,
            "n3 leaving: epoch 8, stage joint, 0/8 ranges, 12.1 KiB/97.7 KiB streamed\n");
  EXPECT_FALSE(joint.end.has_value());
  WaitStep same = wait.handle_poll(poll({health("leaving"), leaving_cluster("joint", 0)}));
  EXPECT_EQ(same.standard_output, "");
  WaitStep streaming = wait.handle_poll(poll({health("leaving"), leaving_cluster("streaming", 3)}));
  EXPECT_EQ(streaming.standard_output,
            "n3 leaving: epoch 8, stage streaming, 3/8 ranges, 12.1 KiB/97.7 KiB streamed\n");
  // The cluster page is an extra: without it the state alone is shown.
  WaitStep no_cluster = wait.handle_poll(poll({health("leaving")}, Status::timeout("slow")));
  EXPECT_EQ(no_cluster.standard_output, "n3 leaving\n");
  EXPECT_FALSE(no_cluster.end.has_value());
  WaitStep left = wait.handle_poll(poll({health("left")}));
  ASSERT_TRUE(left.end.has_value());
  EXPECT_EQ(left.end->exit_code, kExitOk);
  EXPECT_EQ(left.end->standard_output, "n3 has left the cluster\n");
}

TEST(ChangeWait, ConnectionRefusedEndsWellOnlyAfterTheNodeWasLeaving) {
  const Status refused = Status::unavailable("cannot connect to 127.0.0.1:8083: refused");
  ChangeWait early = waiting({"--node", "127.0.0.1:8083", "decommission"});
  WaitStep lost = early.handle_poll(poll({}, refused));
  ASSERT_TRUE(lost.end.has_value());
  EXPECT_EQ(lost.end->exit_code, kExitCannotConnect);
  EXPECT_NE(lost.end->error_message.find("the change goes on"), std::string::npos);

  ChangeWait wait = waiting({"--node", "127.0.0.1:8083", "decommission"});
  EXPECT_FALSE(wait.handle_poll(poll({health("normal"), leaving_cluster("joint", 0)})).end);
  WaitStep hiccup = wait.handle_poll(poll({}, Status::io_error("connection lost")));
  EXPECT_EQ(hiccup.standard_output, "no answer: connection lost (polling on)\n");
  EXPECT_FALSE(hiccup.end.has_value());
  EXPECT_FALSE(wait.handle_poll(poll({health("leaving")})).end);
  WaitStep exited = wait.handle_poll(poll({}, refused));
  ASSERT_TRUE(exited.end.has_value());
  EXPECT_EQ(exited.end->exit_code, kExitOk);
  EXPECT_EQ(exited.end->standard_output,
            "n3 has left the cluster (it stopped answering after leaving: its process exited)\n");
}

TEST(ChangeWait, ErrorAnswersEndTheWaitAndTheTimeoutSaysWhereItStood) {
  ChangeWait wait = waiting({"--wait-timeout-s", "5", "decommission"});
  EXPECT_FALSE(wait.handle_poll(poll({health("leaving")})).end);
  const CommandOutput timed_out = wait.handle_timeout();
  EXPECT_EQ(timed_out.exit_code, kExitWaitTimedOut);
  EXPECT_EQ(timed_out.error_message,
            "gave up waiting after 5 s (--wait-timeout-s): n3 is still leaving; the "
            "decommission goes on (kvctl status follows it)");
  WaitStep normal_again = wait.handle_poll(poll({health("normal")}));
  ASSERT_TRUE(normal_again.end.has_value());
  EXPECT_EQ(normal_again.end->exit_code, kExitServerError);
  EXPECT_NE(normal_again.end->error_message.find("n3 is normal again"), std::string::npos);

  ChangeWait refused = waiting({"decommission"});
  std::vector<Result<wire::HttpResponse>> unauthorized;
  unauthorized.emplace_back(answer(401, R"({"error":"bad cluster token"})"));
  WaitStep denied = refused.handle_poll(unauthorized);
  ASSERT_TRUE(denied.end.has_value());
  EXPECT_EQ(denied.end->exit_code, kExitServerError);
  EXPECT_EQ(denied.end->error_message, "401 Unauthorized: bad cluster token");
  EXPECT_EQ(denied.end->http_status, 401);
  ChangeWait old_node = waiting({"decommission"});
  WaitStep stateless = old_node.handle_poll(poll({R"({"status":"ok","node":"n3"})"}));
  ASSERT_TRUE(stateless.end.has_value());
  EXPECT_EQ(stateless.end->exit_code, kExitServerError);
  EXPECT_EQ(waiting({"decommission"}).handle_timeout().error_message,
            "gave up waiting after 3600 s (--wait-timeout-s): 127.0.0.1:8081 did not say its "
            "state; the decommission goes on (kvctl status follows it)");
}

TEST(ChangeWait, RemovalEndsWhenTheMemberIsNoLongerListed) {
  ChangeWait wait = waiting({"--json", "removenode", "n3"});
  EXPECT_EQ(wait.poll_paths(), std::vector<std::string>{"/cluster"});
  const std::string removing =
      R"({"node":"n1","ring":{"epoch":9,"stage":"streaming","owner":"n1","change":"removal of )"
      R"(n3 at stage streaming"},"members":[{"node_id":"n1","state":"normal","stream":)"
      R"({"ranges_done":1,"ranges_total":4,"bytes_done":10,"bytes_total":40}},)"
      R"({"node_id":"n3","state":"removed"}]})";
  WaitStep progress = wait.handle_poll(poll({removing}));
  EXPECT_EQ(progress.standard_output,
            R"({"node":"n3","state":"removed","epoch":9,"stage":"streaming","change":"removal )"
            R"(of n3 at stage streaming","ranges_done":1,"ranges_total":4,"bytes_done":10,)"
            R"("bytes_total":40})"
            "\n");
  EXPECT_FALSE(progress.end.has_value());
  WaitStep gone = wait.handle_poll(poll({R"({"node":"n1","members":[{"node_id":"n1"}]})"}));
  ASSERT_TRUE(gone.end.has_value());
  EXPECT_EQ(gone.end->exit_code, kExitOk);
  EXPECT_EQ(gone.end->standard_output, "{\"node\":\"n3\",\"removed\":true}\n");
  ChangeWait asked_node_gone = waiting({"removenode", "n3"});
  WaitStep lost = asked_node_gone.handle_poll(poll({}, Status::unavailable("refused")));
  ASSERT_TRUE(lost.end.has_value());
  EXPECT_EQ(lost.end->exit_code, kExitCannotConnect);
}

}  // namespace
}  // namespace ringkv::tools
