// kvbench's pure parts: the latency histogram's error bound and quantiles, flag parsing
// (errors name the flag), the request bytes each target gets, and answer classification.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/wire/base64.h"
#include "core/wire/http_parser.h"
#include "tools/kvbench/bench_stats.h"
#include "tools/kvbench/kvbench_options.h"
#include "tools/kvbench/latency_histogram.h"
#include "tools/kvbench/request_builder.h"

namespace ringkv::tools {
namespace {

using ::testing::HasSubstr;

// --- LatencyHistogram ---

RC_GTEST_PROP(LatencyHistogramTest, EveryValueLandsInABucketWithinOnePercent, (uint64_t raw)) {
  const uint64_t value = raw % (LatencyHistogram::kMaxValue + 1);
  const size_t index = LatencyHistogram::bucket_index(value);
  RC_ASSERT(index < LatencyHistogram::bucket_count());
  const uint64_t low = LatencyHistogram::bucket_lowest_value(index);
  const uint64_t high = LatencyHistogram::bucket_highest_value(index);
  RC_ASSERT(low <= value);
  RC_ASSERT(value <= high);
  RC_ASSERT(static_cast<double>(high - low) <= 0.01 * static_cast<double>(low) || high == low);
}

TEST(LatencyHistogramTest, BucketsTileTheRangeWithoutGaps) {
  for (size_t index = 1; index < LatencyHistogram::bucket_count(); ++index) {
    ASSERT_EQ(LatencyHistogram::bucket_lowest_value(index),
              LatencyHistogram::bucket_highest_value(index - 1) + 1)
        << index;
  }
  EXPECT_EQ(LatencyHistogram::bucket_highest_value(LatencyHistogram::bucket_count() - 1),
            LatencyHistogram::kMaxValue);
}

TEST(LatencyHistogramTest, QuantilesOfAUniformSpreadAreWithinOnePercent) {
  LatencyHistogram histogram;
  for (uint64_t value = 1; value <= 100'000; ++value) histogram.record(value * 1000);
  const std::pair<double, double> kExpected[] = {
      {0.5, 50'000'000}, {0.9, 90'000'000}, {0.99, 99'000'000}, {0.999, 99'900'000}};
  for (const auto& [quantile, expected] : kExpected) {
    const auto reported = static_cast<double>(histogram.value_at_quantile(quantile));
    EXPECT_GE(reported, expected) << quantile;
    EXPECT_LE(reported, expected * 1.01) << quantile;
  }
  EXPECT_EQ(histogram.value_at_quantile(1.0), 100'000'000u);
  EXPECT_EQ(histogram.max(), 100'000'000u);
  EXPECT_EQ(histogram.min(), 1000u);
  EXPECT_EQ(histogram.count(), 100'000u);
}

TEST(LatencyHistogramTest, SmallValuesAreExactAndHugeOnesClamp) {
  LatencyHistogram histogram;
  EXPECT_EQ(histogram.value_at_quantile(0.5), 0u);
  for (uint64_t value : {3, 3, 7, 200}) histogram.record(value);
  EXPECT_EQ(histogram.value_at_quantile(0.5), 3u);
  EXPECT_EQ(histogram.value_at_quantile(0.75), 7u);
  EXPECT_EQ(histogram.value_at_quantile(1.0), 200u);
  histogram.record(UINT64_MAX);
  EXPECT_EQ(histogram.max(), LatencyHistogram::kMaxValue);
}

TEST(LatencyHistogramTest, MergeEqualsRecordingEverythingInOne) {
  LatencyHistogram left, right, both;
  for (uint64_t value = 0; value < 5000; ++value) {
    (value % 3 == 0 ? left : right).record(value * 997);
    both.record(value * 997);
  }
  left.merge(right);
  for (double quantile : {0.0, 0.1, 0.5, 0.9, 0.99, 1.0}) {
    EXPECT_EQ(left.value_at_quantile(quantile), both.value_at_quantile(quantile));
  }
  EXPECT_EQ(left.count(), both.count());
}

// --- flags ---

Result<KvbenchOptions> parse(std::vector<std::string_view> arguments) {
  return parse_kvbench_options(arguments);
}

TEST(KvbenchOptionsTest, DefaultsMatchTheHelpText) {
  Result<KvbenchOptions> options = parse({});
  ASSERT_TRUE(options.ok()) << options.status().message();
  EXPECT_EQ(options->hosts.size(), 1u);
  EXPECT_EQ(options->hosts[0].to_string(), "127.0.0.1:8081");
  EXPECT_EQ(options->target, BenchTarget::kRingkv);
  EXPECT_EQ(options->workload, BenchWorkload::kPut);
  EXPECT_EQ(options->connections, 32u);
  EXPECT_EQ(options->pipeline_depth, 1u);
  EXPECT_EQ(options->keys, 10000u);
  EXPECT_EQ(options->value_bytes, 100u);
  EXPECT_EQ(options->duration_s, 10u);
  EXPECT_EQ(options->warmup_s, 2u);
  EXPECT_EQ(options->timeout_ms, 2000u);
  EXPECT_FALSE(options->max_requests.has_value());
  EXPECT_FALSE(options->preload);
  EXPECT_FALSE(options->json);
}

TEST(KvbenchOptionsTest, ParsesEveryFlagInBothForms) {
  Result<KvbenchOptions> options = parse({"--hosts",
                                          "127.0.0.1:1,[::1]:2,node:3",
                                          "--target=etcd",
                                          "--workload",
                                          "mixed",
                                          "--read-fraction",
                                          "0.9",
                                          "--connections=64",
                                          "--pipeline",
                                          "4",
                                          "--keys",
                                          "7",
                                          "--value-bytes",
                                          "1000",
                                          "--duration-s",
                                          "3",
                                          "--warmup-s",
                                          "0",
                                          "--max-requests",
                                          "500",
                                          "--preload",
                                          "--seed",
                                          "18446744073709551615",
                                          "--timeout-ms",
                                          "50",
                                          "--json"});
  ASSERT_TRUE(options.ok()) << options.status().message();
  ASSERT_EQ(options->hosts.size(), 3u);
  EXPECT_EQ(options->hosts[1].host, "::1");
  EXPECT_EQ(options->hosts[2].port, 3);
  EXPECT_EQ(options->target, BenchTarget::kEtcd);
  EXPECT_EQ(options->workload, BenchWorkload::kMixed);
  EXPECT_DOUBLE_EQ(options->read_fraction, 0.9);
  EXPECT_EQ(options->connections, 64u);
  EXPECT_EQ(options->pipeline_depth, 4u);
  EXPECT_EQ(options->keys, 7u);
  EXPECT_EQ(options->value_bytes, 1000u);
  EXPECT_EQ(options->duration_s, 3u);
  EXPECT_EQ(options->warmup_s, 0u);
  EXPECT_EQ(options->max_requests, 500u);
  EXPECT_TRUE(options->preload);
  EXPECT_EQ(options->seed, UINT64_MAX);
  EXPECT_EQ(options->timeout_ms, 50u);
  EXPECT_TRUE(options->json);
}

TEST(KvbenchOptionsTest, BadInputNamesTheFlag) {
  const std::pair<std::vector<std::string_view>, std::string> kCases[] = {
      {{"--connections", "0"}, "--connections"},
      {{"--connections", "x"}, "--connections"},
      {{"--pipeline", "65"}, "--pipeline"},
      {{"--keys", "-1"}, "--keys"},
      {{"--value-bytes", "2000000"}, "--value-bytes"},
      {{"--duration-s", "0"}, "--duration-s"},
      {{"--timeout-ms", ""}, "--timeout-ms"},
      {{"--read-fraction", "1.5", "--workload", "mixed"}, "--read-fraction"},
      {{"--read-fraction", "0.5"}, "--read-fraction"},  // only with mixed
      {{"--target", "redis"}, "--target"},
      {{"--workload", "scan"}, "--workload"},
      {{"--hosts", "127.0.0.1"}, "--hosts"},
      {{"--hosts", "a:1,,b:2"}, "--hosts"},
      {{"--target", "fixed", "--preload"}, "--preload"},
      {{"--hosts", "a:1,b:2,c:3", "--connections", "2"}, "--connections"},
      {{"--max-requests"}, "--max-requests"},
      {{"--json=yes"}, "--json"},
      {{"--frobnicate", "1"}, "--frobnicate"},
      {{"stray"}, "stray"},
  };
  for (const auto& [arguments, flag] : kCases) {
    Result<KvbenchOptions> options = parse(arguments);
    ASSERT_FALSE(options.ok()) << flag;
    EXPECT_THAT(options.status().message(), HasSubstr(flag));
  }
}

TEST(KvbenchOptionsTest, HelpWinsOverEverythingElse) {
  Result<KvbenchOptions> options = parse({"--target", "fixed", "--preload", "--help"});
  ASSERT_TRUE(options.ok());
  EXPECT_TRUE(options->help);
  EXPECT_THAT(std::string(kvbench_usage()), HasSubstr("--pipeline"));
}

// --- request bytes ---

std::vector<wire::HttpRequest> parse_requests(const std::string& bytes) {
  wire::HttpRequestParser parser;
  EXPECT_TRUE(parser.feed(bytes).ok());
  std::vector<wire::HttpRequest> requests;
  while (std::optional<wire::HttpRequest> request = parser.next()) requests.push_back(*request);
  EXPECT_FALSE(parser.in_message());
  return requests;
}

TEST(RequestBuilderTest, RingkvRequestsNameTheKeyInThePath) {
  RequestBuilder builder(BenchTarget::kRingkv, "127.0.0.1:8082", "value-bytes");
  std::string bytes;
  builder.append(BenchOperation::kPut, 42, bytes);
  builder.append(BenchOperation::kGet, 9'999'999'999 % kMaxBenchKeys, bytes);
  const std::vector<wire::HttpRequest> requests = parse_requests(bytes);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].target, "/kv/kvbench-0000000042");
  EXPECT_EQ(requests[0].body, "value-bytes");
  EXPECT_EQ(*requests[0].header("Host"), "127.0.0.1:8082");
  EXPECT_TRUE(requests[0].keep_alive);
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[1].target, "/kv/kvbench-0999999999");
  EXPECT_EQ(requests[1].body, "");
}

TEST(RequestBuilderTest, EtcdRequestsCarryBase64InJson) {
  RequestBuilder builder(BenchTarget::kEtcd, "h:1", "v");
  std::string bytes;
  builder.append(BenchOperation::kPut, 7, bytes);
  builder.append(BenchOperation::kGet, 8, bytes);
  const std::vector<wire::HttpRequest> requests = parse_requests(bytes);
  ASSERT_EQ(requests.size(), 2u);
  const std::string key7 = wire::base64_encode(bench_key(7));
  const std::string key8 = wire::base64_encode(bench_key(8));
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/v3/kv/put");
  EXPECT_EQ(requests[0].body, "{\"key\":\"" + key7 + "\",\"value\":\"dg==\"}");
  EXPECT_EQ(*requests[0].header("Content-Type"), "application/json");
  EXPECT_EQ(requests[1].target, "/v3/kv/range");
  EXPECT_EQ(requests[1].body, "{\"key\":\"" + key8 + "\"}");
}

TEST(RequestBuilderTest, FixedTargetAlwaysAsksForTheRoot) {
  RequestBuilder builder(BenchTarget::kFixed, "h:1", "ignored");
  std::string bytes;
  builder.append(BenchOperation::kPut, 1, bytes);
  builder.append(BenchOperation::kGet, 2, bytes);
  for (const wire::HttpRequest& request : parse_requests(bytes)) {
    EXPECT_EQ(request.method, "GET");
    EXPECT_EQ(request.target, "/");
  }
}

TEST(RequestBuilderTest, ValuesAreSeededAndSized) {
  EXPECT_EQ(bench_value(5, 100), bench_value(5, 100));
  EXPECT_NE(bench_value(5, 100), bench_value(6, 100));
  EXPECT_EQ(bench_value(5, 1000).size(), 1000u);
}

// --- classification ---

TEST(ClassifyResponseTest, TwoHundredsAreOkExceptAnEmptyEtcdRange) {
  EXPECT_EQ(classify_response(BenchTarget::kRingkv, BenchOperation::kPut, 204, "").outcome,
            Outcome::kOk);
  const Completion missing = classify_response(BenchTarget::kRingkv, BenchOperation::kGet, 404, "");
  EXPECT_EQ(missing.outcome, Outcome::kStatus);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(classify_response(BenchTarget::kEtcd, BenchOperation::kGet, 200,
                              R"({"header":{},"kvs":[{"key":"a"}],"count":"1"})")
                .outcome,
            Outcome::kOk);
  const Completion empty =
      classify_response(BenchTarget::kEtcd, BenchOperation::kGet, 200, R"({"header":{}})");
  EXPECT_EQ(empty.outcome, Outcome::kStatus);
  EXPECT_EQ(empty.status, 404);
  EXPECT_EQ(classify_response(BenchTarget::kEtcd, BenchOperation::kPut, 503, "").status, 503);
}

TEST(ErrorCountsTest, TotalsEveryClass) {
  ErrorCounts errors;
  errors.add({Outcome::kStatus, 503});
  errors.add({Outcome::kStatus, 503});
  errors.add({Outcome::kTimeout, 0});
  errors.add({Outcome::kConnection, 0});
  errors.add({Outcome::kProtocol, 0});
  EXPECT_EQ(errors.status.at(503), 2u);
  EXPECT_EQ(errors.total(), 5u);
}

}  // namespace
}  // namespace ringkv::tools
