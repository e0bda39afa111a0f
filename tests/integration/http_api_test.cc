// The HTTP surface of one kvnode: status mapping of bad input, pipelining order, the
// cluster token on /internal/, and the connection limit.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/wire/codec.h"
#include "local_cluster.h"

namespace ringkv::integration {
namespace {

std::vector<std::string> single_node(std::vector<std::string> extra = {}) {
  std::vector<std::string> arguments = {
      "--n", "1", "--w", "1", "--r", "1", "--max-value-bytes", "1024", "--cluster-token", "s3cret"};
  arguments.insert(arguments.end(), extra.begin(), extra.end());
  return arguments;
}

class HttpApiTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(cluster_.start(0)) << cluster_.log(0); }
  int status_of(std::string_view method, std::string_view target, std::string body = {},
                const wire::HttpHeaders& headers = {}) {
    auto response = cluster_.client(0)->request(method, target, std::move(body), headers);
    EXPECT_TRUE(response.ok()) << response.status().to_string();
    last_body_ = response.ok() ? response->body : "";
    return response.ok() ? response->status : -1;
  }
  LocalCluster cluster_{1, single_node()};
  std::string last_body_;
};

TEST_F(HttpApiTest, BadInputGetsTheDocumentedStatus) {
  EXPECT_EQ(status_of("GET", "/kv/a?w=two"), 400);
  EXPECT_NE(last_body_.find("w must"), std::string::npos) << last_body_;
  EXPECT_EQ(status_of("GET", "/kv/a?timeout_ms=-1"), 400);
  EXPECT_NE(last_body_.find("timeout_ms"), std::string::npos) << last_body_;
  EXPECT_EQ(status_of("PUT", "/kv/a?w=9", "v"), 400);
  EXPECT_EQ(status_of("GET", "/kv/"), 400);
  EXPECT_EQ(status_of("GET", "/kv/bad%zzescape"), 400);
  // X-Context is retired: ignored, whatever it holds (the key was never written: 404).
  EXPECT_EQ(status_of("GET", "/kv/a", {}, {{"X-Context", "not-a-version"}}), 404);
  EXPECT_EQ(status_of("PUT", "/kv/big", std::string(2048, 'v')), 413);
  EXPECT_EQ(status_of("GET", "/no/such/route"), 404);
  EXPECT_EQ(status_of("GET", "/kv/missing"), 404);
  EXPECT_EQ(last_body_, "{\"error\":\"not found\"}");

  auto wrong_method = cluster_.client(0)->request("POST", "/kv/a", "v");
  ASSERT_TRUE(wrong_method.ok());
  EXPECT_EQ(wrong_method->status, 405);
  ASSERT_NE(wrong_method->header("Allow"), nullptr);
  EXPECT_EQ(*wrong_method->header("Allow"), "GET, HEAD, PUT, DELETE");
  EXPECT_EQ(status_of("DELETE", "/health"), 405);
}

TEST_F(HttpApiTest, HugeHeadersGet431AndTheConnectionCloses) {
  auto client = cluster_.client(0);
  std::string request =
      "GET /health HTTP/1.1\r\nHost: x\r\nX-Filler: " + std::string(20 * 1024, 'a') + "\r\n\r\n";
  ASSERT_TRUE(client->send_raw(request).ok());
  auto response = client->read_response();
  ASSERT_TRUE(response.ok()) << response.status().to_string();
  EXPECT_EQ(response->status, 431);
  EXPECT_FALSE(response->keep_alive);
  EXPECT_TRUE(client->wait_closed());
}

TEST_F(HttpApiTest, PipelinedRequestsAreAnsweredInOrder) {
  // The PUT waits for a commit; /health and the 404 are ready at once, yet must come after.
  auto client = cluster_.client(0);
  std::string pipeline =
      "PUT /kv/pipelined HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none"
      "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /kv/pipelined HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"
      "DELETE /kv/pipelined HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /kv/pipelined HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_TRUE(client->send_raw(pipeline).ok());
  std::vector<int> statuses;
  std::vector<std::string> bodies;
  for (int i = 0; i < 6; ++i) {
    auto response = client->read_response();
    ASSERT_TRUE(response.ok()) << i << ": " << response.status().to_string();
    statuses.push_back(response->status);
    bodies.push_back(response->body);
  }
  EXPECT_EQ(statuses, (std::vector<int>{204, 200, 200, 404, 204, 404}));
  EXPECT_NE(bodies[1].find("\"status\":\"ok\""), std::string::npos);
  EXPECT_EQ(bodies[2], "one");
}

// Sends `bytes` on a fresh connection to 127.0.0.1:`port` and reads until the server
// closes it (bounded by a receive timeout): the raw answer, framing included.
std::string exchange_raw(uint16_t port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string received;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size())) {
    char buffer[4096];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) received.append(buffer, n);
  }
  ::close(fd);
  return received;
}

// HEAD answers like GET without a body, whatever the status (found, not found, unknown
// route, refused internal request): a pipelined GET after them parses cleanly.
TEST_F(HttpApiTest, HeadAnswersCarryNoBodyEvenPipelined) {
  ASSERT_EQ(status_of("PUT", "/kv/headed", "hello"), 204);
  const std::string answer = exchange_raw(
      cluster_.port(0),
      "HEAD /kv/headed HTTP/1.1\r\nHost: x\r\n\r\n"
      "HEAD /kv/missing HTTP/1.1\r\nHost: x\r\n\r\n"
      "HEAD /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"
      "HEAD /internal/gossip HTTP/1.1\r\nHost: x\r\n\r\n"
      "HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::vector<std::string> responses;
  for (size_t at = answer.find("HTTP/1.1 "); at != std::string::npos;) {
    const size_t next = answer.find("HTTP/1.1 ", at + 1);
    responses.push_back(answer.substr(at, next == std::string::npos ? next : next - at));
    at = next;
  }
  ASSERT_EQ(responses.size(), 6u) << answer;
  const std::vector<std::string> statuses = {"200", "404", "404", "401", "200", "200"};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(responses[i].substr(9, 3), statuses[i]) << responses[i];
    EXPECT_TRUE(responses[i].ends_with("\r\n\r\n")) << "a HEAD answer with a body: " << responses[i];
    EXPECT_NE(responses[i].find("Content-Length: "), std::string::npos) << responses[i];
  }
  EXPECT_NE(responses[0].find("Content-Length: 5\r\n"), std::string::npos) << responses[0];
  EXPECT_NE(responses[0].find("X-Version: "), std::string::npos) << responses[0];
  EXPECT_EQ(responses[5].substr(9, 3), "200");
  EXPECT_NE(responses[5].find("\"status\":\"ok\""), std::string::npos) << responses[5];
}

TEST_F(HttpApiTest, LongPipelinesPauseAndResumeInOrder) {
  // More requests than kMaxResponseSlotsPerConnection (64): reading pauses and resumes.
  constexpr int kPairs = 100;
  std::string pipeline;
  for (int i = 0; i < kPairs; ++i) {
    std::string value = std::to_string(i);
    pipeline += "PUT /kv/p" + value +
                " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(value.size()) +
                "\r\n\r\n" + value;
    pipeline += "GET /kv/p" + value + " HTTP/1.1\r\nHost: x\r\n\r\n";
  }
  auto client = cluster_.client(0);
  ASSERT_TRUE(client->send_raw(pipeline).ok());
  for (int i = 0; i < kPairs; ++i) {
    auto put = client->read_response();
    ASSERT_TRUE(put.ok()) << i << ": " << put.status().to_string();
    EXPECT_EQ(put->status, 204);
    auto get = client->read_response();
    ASSERT_TRUE(get.ok()) << i << ": " << get.status().to_string();
    EXPECT_EQ(get->status, 200);
    EXPECT_EQ(get->body, std::to_string(i));
  }
}

TEST_F(HttpApiTest, BodyOverTheParserLimitGets413AndTheConnectionCloses) {
  auto client = cluster_.client(0);
  ASSERT_TRUE(client
                  ->send_raw("PUT /kv/huge HTTP/1.1\r\nHost: x\r\n"
                             "Content-Length: 100000000\r\n\r\nsome bytes")
                  .ok());
  auto response = client->read_response();
  ASSERT_TRUE(response.ok()) << response.status().to_string();
  EXPECT_EQ(response->status, 413);
  EXPECT_NE(response->body.find("\"error\""), std::string::npos);
  EXPECT_TRUE(client->wait_closed());
}

TEST_F(HttpApiTest, HalfClosedClientStillGetsEveryAnswer) {
  auto client = cluster_.client(0);
  ASSERT_TRUE(client
                  ->send_raw("PUT /kv/half HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhc"
                             "GET /kv/half HTTP/1.1\r\nHost: x\r\n\r\n")
                  .ok());
  ASSERT_TRUE(client->shutdown_write().ok());
  auto put = client->read_response();
  ASSERT_TRUE(put.ok()) << put.status().to_string();
  EXPECT_EQ(put->status, 204);
  auto get = client->read_response();
  ASSERT_TRUE(get.ok()) << get.status().to_string();
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "hc");
  EXPECT_TRUE(client->wait_closed());
}

TEST_F(HttpApiTest, InternalRequestsNeedTheClusterToken) {
  EXPECT_EQ(status_of("POST", "/internal/gossip", "{}"), 401);
  EXPECT_EQ(status_of("POST", "/internal/gossip", "{}", {{"X-Cluster-Token", "wrong"}}), 401);
  // With the token the request reaches the codec, which rejects the empty message.
  EXPECT_EQ(status_of("POST", "/internal/gossip", "{}", {{"X-Cluster-Token", "s3cret"}}), 400);
  auto metrics = cluster_.client(0)->request("GET", "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find("ringkv_unauthorized_requests_total 2"), std::string::npos);
  EXPECT_NE(metrics->body.find("ringkv_requests_total{route=\"internal\",status=\"401\"} 2"),
            std::string::npos);
}

// A peer message whose Lamport counter (or a version in it) is above 2^62 is refused and
// counted apart; the node's clock never moved, so its writes keep small versions.
TEST_F(HttpApiTest, PeerCountersAboveTwoToThe62AreRefusedAndCounted) {
  const wire::HttpHeaders internal = {{"X-Cluster-Token", "s3cret"},
                                      {std::string(wire::kProtocolHeader),
                                       std::to_string(wire::kWireProtocolVersion)}};
  EXPECT_EQ(status_of("POST", "/internal/read",
                      R"({"from":"n9","lamport":18446744073709551614,"ring_epoch":0,"op":1,"key_b64":"YQ=="})",
                      internal),
            400);
  EXPECT_NE(last_body_.find("above 2^62"), std::string::npos) << last_body_;
  EXPECT_EQ(status_of("POST", "/internal/kv-ack",
                      R"({"from":"n9","lamport":1,"ring_epoch":0,"op":1,"accepted":false,)"
                      R"("current":"9223372036854775807.n9"})",
                      internal),
            400);
  auto put = cluster_.client(0)->request("PUT", "/kv/after", "v");
  ASSERT_TRUE(put.ok());
  ASSERT_EQ(put->status, 204) << put->body;
  std::optional<Version> version = parse_version(*put->header("X-Version"));
  ASSERT_TRUE(version.has_value());
  EXPECT_LT(version->counter, 1u << 30) << version->to_string();
  auto metrics = cluster_.client(0)->request("GET", "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find("ringkv_internal_out_of_range_total 2"), std::string::npos);
  EXPECT_NE(metrics->body.find("ringkv_internal_decode_errors_total 0"), std::string::npos);
}

TEST(ConnectionLimitTest, ConnectionsOverTheLimitGet503) {
  LocalCluster cluster(1, single_node({"--max-connections", "2"}));
  ASSERT_TRUE(cluster.start(0));
  auto first = cluster.client(0);
  auto second = cluster.client(0);
  ASSERT_TRUE(first->request("GET", "/health").ok());
  ASSERT_TRUE(second->request("GET", "/health").ok());
  auto third = cluster.client(0);
  auto refused = third->request("GET", "/health");
  ASSERT_TRUE(refused.ok()) << refused.status().to_string();
  EXPECT_EQ(refused->status, 503);
  EXPECT_TRUE(third->wait_closed());
  auto still_served = first->request("GET", "/health");
  ASSERT_TRUE(still_served.ok());
  EXPECT_EQ(still_served->status, 200);
}

// Slow clients: short limits so the test is quick; every wait is bounded by the client's
// 5 s timeout.
class SlowClientTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(cluster_.start(0)) << cluster_.log(0); }
  std::string metrics() {
    auto response = cluster_.client(0)->request("GET", "/metrics");
    EXPECT_TRUE(response.ok());
    return response.ok() ? response->body : "";
  }
  void expect_408_and_close(runtime::HttpClient& client) {
    auto response = client.read_response();
    ASSERT_TRUE(response.ok()) << response.status().to_string();
    EXPECT_EQ(response->status, 408);
    EXPECT_NE(response->body.find("read_timeout_ms=300"), std::string::npos) << response->body;
    EXPECT_FALSE(response->keep_alive);
    EXPECT_TRUE(client.wait_closed());
  }
  LocalCluster cluster_{1, single_node({"--idle-timeout-ms", "400", "--read-timeout-ms", "300"})};
};

TEST_F(SlowClientTest, IncompleteHeadersGet408AndTheConnectionCloses) {
  auto client = cluster_.client(0);
  ASSERT_TRUE(client->send_raw("GET /health HTTP/1.1\r\nHost: x\r\n").ok());
  expect_408_and_close(*client);
  EXPECT_NE(metrics().find("ringkv_read_timeouts_total 1"), std::string::npos);
}

TEST_F(SlowClientTest, IncompleteBodyGets408) {
  auto client = cluster_.client(0);
  ASSERT_TRUE(
      client->send_raw("PUT /kv/slow HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc").ok());
  expect_408_and_close(*client);
  auto get = cluster_.client(0)->request("GET", "/kv/slow");
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->status, 404);  // nothing of the cut request was applied
}

TEST_F(SlowClientTest, TricklingBytesDoesNotExtendTheReadTimeout) {
  auto client = cluster_.client(0);
  std::string request = "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(200, 'a');
  // One byte every 25 ms (far under the 300 ms limit) would take 6 s to send it all: the
  // answer must come while the request is still incomplete, because the limit counts from
  // its first byte, not from the last one.
  size_t sent = 0;
  while (sent < request.size() && !client->readable(25)) {
    ASSERT_TRUE(client->send_raw(request.substr(sent, 1)).ok()) << sent;
    sent++;
  }
  EXPECT_LT(sent, request.size());
  expect_408_and_close(*client);
}

TEST_F(SlowClientTest, IdleConnectionsCloseAndBusyOnesStay) {
  auto idle = cluster_.client(0);
  ASSERT_TRUE(idle->connect().ok());
  auto busy = cluster_.client(0);
  ASSERT_TRUE(busy->connect().ok());
  // The busy connection sends a request every 100 ms for 1 s (2.5x the idle limit) on the
  // same socket (send_raw never reconnects).
  for (int i = 0; i < 10; i++) {
    ASSERT_TRUE(busy->send_raw("GET /health HTTP/1.1\r\nHost: x\r\n\r\n").ok()) << i;
    auto response = busy->read_response();
    ASSERT_TRUE(response.ok()) << i << ": " << response.status().to_string();
    EXPECT_EQ(response->status, 200);
    usleep(100 * 1000);
  }
  EXPECT_TRUE(idle->wait_closed());
  EXPECT_GE(cluster_.metric_value(0, "ringkv_idle_connections_closed_total"), 1);
}

}  // namespace
}  // namespace ringkv::integration
