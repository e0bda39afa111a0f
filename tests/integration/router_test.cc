// The pure HTTP <-> Node mapping of kvnode (runtime/router.h), without processes.
#include "runtime/router.h"

#include <gtest/gtest.h>

#include "core/wire/http_writer.h"

namespace ringkv::runtime {
namespace {

wire::HttpRequest make(std::string method, std::string target, std::string body = {}) {
  return wire::make_request(method, target, "x", std::move(body));
}

RouteDecision route(const wire::HttpRequest& request) {
  wire::HttpRequest parsed = request;
  wire::split_target(parsed.target, parsed.path, parsed.query);
  return route_request(parsed, Config());
}

TEST(RouterTest, KvRequestsBecomeClientRequests) {
  auto decision = route(make("PUT", "/kv/a%00b%2Fc?w=3&r=1&timeout_ms=50", "value"));
  ASSERT_TRUE(decision.client);
  EXPECT_EQ(decision.route, Route::kKvPut);
  EXPECT_EQ(decision.client->key, std::string("a\0b/c", 5));
  EXPECT_EQ(decision.client->value, "value");
  EXPECT_EQ(decision.client->write_quorum, std::optional<uint32_t>(3));
  EXPECT_EQ(decision.client->read_quorum, std::optional<uint32_t>(1));
  EXPECT_EQ(decision.client->timeout_ms, std::optional<uint64_t>(50));

  // X-Context is retired: served as if absent, whatever it holds (even a huge counter).
  for (const char* context : {"17.n2", "18446744073709551614.n1", "garbage"}) {
    wire::HttpRequest with_context = make("DELETE", "/kv/k");
    with_context.headers.emplace_back("X-Context", context);
    auto deleted = route(with_context);
    ASSERT_TRUE(deleted.client) << context;
    EXPECT_FALSE(deleted.immediate) << context;
    EXPECT_EQ(deleted.client->op, ClientOp::kDelete);
  }
}

TEST(RouterTest, BadInputIsAnsweredAtOnce) {
  auto status = [](const wire::HttpRequest& request) {
    auto decision = route(request);
    return decision.immediate ? decision.immediate->status : 0;
  };
  EXPECT_EQ(status(make("GET", "/kv/k?w=x")), 400);
  EXPECT_EQ(status(make("GET", "/kv/k?bogus=1")), 400);
  EXPECT_EQ(status(make("GET", "/kv/a/b")), 400);
  EXPECT_EQ(status(make("GET", "/kv/" + std::string(1025, 'k'))), 400);
  EXPECT_EQ(status(make("PUT", "/kv/k", std::string((1 << 20) + 1, 'v'))), 413);
  EXPECT_EQ(status(make("PATCH", "/kv/k")), 405);
  EXPECT_EQ(status(make("POST", "/health")), 405);
  EXPECT_EQ(status(make("GET", "/internal/kv")), 405);
  EXPECT_EQ(status(make("GET", "/elsewhere")), 404);
  EXPECT_EQ(status(make("GET", "/kv/" + std::string(1024, 'k'))), 0);
  EXPECT_EQ(route(make("GET", "/metrics")).route, Route::kMetrics);
  EXPECT_EQ(status(make("GET", "/health?ready=yes")), 400);
  EXPECT_EQ(status(make("GET", "/health?bogus=1")), 400);
}

TEST(RouterTest, HealthTakesTheReadinessParameter) {
  EXPECT_FALSE(route(make("GET", "/health")).ready_only);
  EXPECT_TRUE(route(make("GET", "/health?ready=1")).ready_only);
  EXPECT_FALSE(route(make("GET", "/health?ready=0")).ready_only);
  EXPECT_FALSE(route(make("GET", "/health?ready=1")).immediate);
}

TEST(RouterTest, OutcomesMapToStatuses) {
  ClientResponse ok{ClientOutcome::kOk, Version{7, "n1"}, "v", 2, 2, ""};
  auto got = client_response_to_http(ClientOp::kGet, ok);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, "v");
  ASSERT_NE(got.header("X-Version"), nullptr);
  EXPECT_EQ(*got.header("X-Version"), "7.n1");
  EXPECT_EQ(client_response_to_http(ClientOp::kPut, ok).status, 204);

  ClientResponse tombstone{ClientOutcome::kNotFound, Version{9, "n3"}, "", 0, 0, ""};
  auto missing = client_response_to_http(ClientOp::kGet, tombstone);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, "{\"error\":\"not found\"}");
  EXPECT_EQ(*missing.header("X-Version"), "9.n3");
  ClientResponse never{ClientOutcome::kNotFound, Version{}, "", 0, 0, ""};
  EXPECT_EQ(client_response_to_http(ClientOp::kGet, never).header("X-Version"), nullptr);

  ClientResponse quorum{ClientOutcome::kQuorumFailed, {}, "", 1, 2, "no quorum"};
  auto failed = client_response_to_http(ClientOp::kPut, quorum);
  EXPECT_EQ(failed.status, 503);
  EXPECT_EQ(failed.body, "{\"error\":\"no quorum\",\"acks\":1,\"required\":2}");
  EXPECT_EQ(client_response_to_http(ClientOp::kPut, {ClientOutcome::kOverloaded}).status, 503);
  EXPECT_EQ(client_response_to_http(ClientOp::kPut, {ClientOutcome::kBadRequest}).status, 400);
  EXPECT_EQ(client_response_to_http(ClientOp::kGet, {ClientOutcome::kStorageError}).status, 500);
}

}  // namespace
}  // namespace ringkv::runtime
