// Examples of the HTTP parsers: requests and responses, split and pipelined, keep-alive,
// and each limit giving its status (400, 411, 413, 431, 503).
#include "core/wire/http_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ringkv::wire {
namespace {

using ::testing::HasSubstr;

std::vector<HttpRequest> drain(HttpRequestParser& parser) {
  std::vector<HttpRequest> requests;
  while (auto request = parser.next()) requests.push_back(std::move(*request));
  return requests;
}

TEST(HttpRequestParserTest, ParsesASimpleGet) {
  HttpRequestParser parser;
  ASSERT_TRUE(
      parser.feed("GET /kv/a%20b?w=2&r=1 HTTP/1.1\r\nHost: x\r\nX-Context: 3.n1\r\n\r\n").ok());
  std::optional<HttpRequest> request = parser.next();
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->method, "GET");
  EXPECT_EQ(request->target, "/kv/a%20b?w=2&r=1");
  EXPECT_EQ(request->path, "/kv/a%20b");
  EXPECT_EQ(request->query, "w=2&r=1");
  ASSERT_EQ(request->headers.size(), 2u);
  EXPECT_EQ(request->headers[1].first, "X-Context");
  ASSERT_NE(request->header("x-context"), nullptr);
  EXPECT_EQ(*request->header("X-CONTEXT"), "3.n1");
  EXPECT_EQ(request->header("X-Version"), nullptr);
  EXPECT_TRUE(request->body.empty());
  EXPECT_TRUE(request->keep_alive);
  EXPECT_FALSE(parser.next().has_value());
  EXPECT_FALSE(parser.in_message());
}

TEST(HttpRequestParserTest, ParsesBodiesWithContentLengthAndChunked) {
  HttpRequestParser parser;
  ASSERT_TRUE(parser.feed("PUT /kv/a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel").ok());
  EXPECT_FALSE(parser.next().has_value());
  EXPECT_TRUE(parser.in_message());
  ASSERT_TRUE(parser.feed("lo").ok());
  std::optional<HttpRequest> request = parser.next();
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->body, "hello");

  ASSERT_TRUE(parser
                  .feed("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
                  .ok());
  request = parser.next();
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->body, "abcde");
}

TEST(HttpRequestParserTest, KeepsEmptyHeaderValuesAndHeaderCase) {
  HttpRequestParser parser;
  ASSERT_TRUE(parser.feed("GET / HTTP/1.1\r\nX-Empty:\r\nX-B: two words \r\n\r\n").ok());
  std::optional<HttpRequest> request = parser.next();
  ASSERT_TRUE(request.has_value());
  ASSERT_EQ(request->headers.size(), 2u);
  EXPECT_EQ(request->headers[0], (std::pair<std::string, std::string>("X-Empty", "")));
  EXPECT_EQ(request->headers[1].first, "X-B");
  EXPECT_THAT(request->headers[1].second, ::testing::StartsWith("two words"));
}

TEST(HttpRequestParserTest, ParsesPipelinedRequestsInOrder) {
  HttpRequestParser parser;
  ASSERT_TRUE(parser
                  .feed("GET /a HTTP/1.1\r\n\r\nPUT /b HTTP/1.1\r\nContent-Length: 1\r\n\r\nxGET "
                        "/c HTTP/1.1\r\n\r\n")
                  .ok());
  std::vector<HttpRequest> requests = drain(parser);
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].path, "/a");
  EXPECT_EQ(requests[1].path, "/b");
  EXPECT_EQ(requests[1].body, "x");
  EXPECT_EQ(requests[2].path, "/c");
}

TEST(HttpRequestParserTest, ParsesARequestFedOneByteAtATime) {
  const std::string bytes =
      "POST /internal/kv HTTP/1.1\r\nHost: n2\r\nContent-Length: 4\r\n\r\nbody";
  HttpRequestParser parser;
  for (char c : bytes) ASSERT_TRUE(parser.feed(std::string_view(&c, 1)).ok());
  std::optional<HttpRequest> request = parser.next();
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->target, "/internal/kv");
  EXPECT_EQ(*request->header("host"), "n2");
  EXPECT_EQ(request->body, "body");
}

TEST(HttpRequestParserTest, ConnectionCloseEndsTheStream) {
  HttpRequestParser parser;
  ASSERT_TRUE(
      parser.feed("GET /a HTTP/1.1\r\nConnection: close\r\n\r\nGET /b HTTP/1.1\r\n\r\n").ok());
  std::vector<HttpRequest> requests = drain(parser);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_FALSE(requests[0].keep_alive);
  EXPECT_TRUE(parser.closed());
  EXPECT_FALSE(parser.failed());
  EXPECT_TRUE(parser.feed("GET /c HTTP/1.1\r\n\r\n").ok());
  EXPECT_FALSE(parser.next().has_value());
}

TEST(HttpRequestParserTest, Http10DefaultsToClose) {
  HttpRequestParser parser;
  ASSERT_TRUE(parser.feed("GET /a HTTP/1.0\r\n\r\n").ok());
  EXPECT_FALSE(parser.next()->keep_alive);
  HttpRequestParser keep;
  ASSERT_TRUE(keep.feed("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").ok());
  EXPECT_TRUE(keep.next()->keep_alive);
}

TEST(HttpRequestParserTest, UpgradeRequestsEndTheStream) {
  HttpRequestParser parser;
  ASSERT_TRUE(
      parser.feed("GET /a HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\nxyz").ok());
  std::optional<HttpRequest> request = parser.next();
  ASSERT_TRUE(request.has_value());
  EXPECT_FALSE(request->keep_alive);
  EXPECT_TRUE(parser.closed());
  EXPECT_FALSE(parser.failed());
}

TEST(HttpRequestParserTest, MalformedRequestIs400AndSticky) {
  HttpRequestParser parser;
  Status status = parser.feed("GET /a HTTP/1.1\r\nBad Header\r\n\r\n");
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("malformed HTTP"));
  EXPECT_TRUE(parser.failed());
  EXPECT_EQ(parser.error_http_status(), 400);
  EXPECT_EQ(parser.feed("GET / HTTP/1.1\r\n\r\n").message(), status.message());
  EXPECT_FALSE(parser.next().has_value());
}

TEST(HttpRequestParserTest, ConflictingLengthsAre400) {
  HttpRequestParser parser;
  EXPECT_FALSE(
      parser.feed("POST /a HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab").ok());
  EXPECT_EQ(parser.error_http_status(), 400);
  HttpRequestParser both;
  EXPECT_FALSE(
      both.feed("POST /a HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")
          .ok());
  EXPECT_EQ(both.error_http_status(), 400);
}

TEST(HttpRequestParserTest, PostOrPutWithoutLengthIs411) {
  for (const char* method : {"POST", "PUT"}) {
    HttpRequestParser parser;
    Status status = parser.feed(std::string(method) + " /kv/a HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_FALSE(status.ok()) << method;
    EXPECT_EQ(parser.error_http_status(), 411) << method;
  }
  HttpRequestParser empty_put;
  ASSERT_TRUE(empty_put.feed("PUT /kv/a HTTP/1.1\r\nContent-Length: 0\r\n\r\n").ok());
  EXPECT_EQ(empty_put.next()->body, "");
  HttpRequestParser del;
  ASSERT_TRUE(del.feed("DELETE /kv/a HTTP/1.1\r\n\r\n").ok());
  EXPECT_TRUE(del.next().has_value());
}

TEST(HttpRequestParserTest, LargeDeclaredBodyIs413BeforeItArrives) {
  HttpLimits limits;
  limits.max_body_bytes = 10;
  HttpRequestParser parser(limits);
  Status status = parser.feed("PUT /kv/a HTTP/1.1\r\nContent-Length: 11\r\n\r\n");
  EXPECT_EQ(status.code(), StatusCode::kLimitExceeded);
  EXPECT_EQ(parser.error_http_status(), 413);
  HttpRequestParser at_limit(limits);
  ASSERT_TRUE(at_limit.feed("PUT /kv/a HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789").ok());
  EXPECT_EQ(at_limit.next()->body.size(), 10u);
}

TEST(HttpRequestParserTest, LargeChunkedBodyIs413) {
  HttpLimits limits;
  limits.max_body_bytes = 10;
  HttpRequestParser parser(limits);
  EXPECT_TRUE(
      parser.feed("PUT /kv/a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n").ok());
  EXPECT_FALSE(parser.feed("6\r\nabcdef\r\n").ok());
  EXPECT_EQ(parser.error_http_status(), 413);
}

TEST(HttpRequestParserTest, TooManyHeadersIs431) {
  HttpLimits limits;
  limits.max_header_count = 3;
  std::string three = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
  HttpRequestParser ok_parser(limits);
  ASSERT_TRUE(ok_parser.feed(three).ok());
  EXPECT_EQ(ok_parser.next()->headers.size(), 3u);
  HttpRequestParser parser(limits);
  EXPECT_FALSE(parser.feed("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n").ok());
  EXPECT_EQ(parser.error_http_status(), 431);
  EXPECT_THAT(parser.error().message(), HasSubstr("max_header_count"));
}

TEST(HttpRequestParserTest, HugeHeadersAre431WhileTheyArrive) {
  HttpRequestParser parser;  // 16 KiB
  ASSERT_TRUE(parser.feed("GET / HTTP/1.1\r\nX-Big: ").ok());
  Status status;
  for (int i = 0; i < 100 && status.ok(); ++i) status = parser.feed(std::string(1024, 'v'));
  EXPECT_EQ(status.code(), StatusCode::kLimitExceeded);
  EXPECT_EQ(parser.error_http_status(), 431);
  HttpRequestParser long_url;
  EXPECT_FALSE(long_url.feed("GET /" + std::string(20000, 'u')).ok());
  EXPECT_EQ(long_url.error_http_status(), 431);
}

TEST(HttpRequestParserTest, PausesWhenThePendingQueueIsFull) {
  HttpLimits limits;
  limits.max_pending_messages = 2;
  HttpRequestParser parser(limits);
  std::string five;
  for (int i = 0; i < 5; ++i) five += "GET /" + std::to_string(i) + " HTTP/1.1\r\n\r\n";
  ASSERT_TRUE(parser.feed(five).ok());
  EXPECT_EQ(parser.pending_messages(), 2u);
  std::vector<HttpRequest> requests = drain(parser);
  ASSERT_EQ(requests.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(requests[i].path, "/" + std::to_string(i));
}

TEST(HttpRequestParserTest, BacklogOverflowIs503) {
  HttpLimits limits;
  limits.max_pending_messages = 1;
  limits.max_backlog_bytes = 64;
  HttpRequestParser parser(limits);
  ASSERT_TRUE(parser.feed("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n").ok());
  Status status = parser.feed(std::string(100, 'x'));
  EXPECT_EQ(status.code(), StatusCode::kLimitExceeded);
  EXPECT_EQ(parser.error_http_status(), 503);
  EXPECT_TRUE(parser.next().has_value());  // what was parsed before the error stays
}

TEST(HttpResponseParserTest, ParsesContentLengthChunkedAndBodylessResponses) {
  HttpResponseParser parser;
  ASSERT_TRUE(parser
                  .feed("HTTP/1.1 200 OK\r\nX-Version: 3.n1\r\nContent-Length: 3\r\n\r\nabc"
                        "HTTP/1.1 204 No Content\r\n\r\n"
                        "HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "2\r\n{}\r\n0\r\n\r\n")
                  .ok());
  std::optional<HttpResponse> first = parser.next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->reason, "OK");
  EXPECT_EQ(*first->header("x-version"), "3.n1");
  EXPECT_EQ(first->body, "abc");
  std::optional<HttpResponse> second = parser.next();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->status, 204);
  EXPECT_EQ(second->body, "");
  std::optional<HttpResponse> third = parser.next();
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->status, 503);
  EXPECT_EQ(third->body, "{}");
}

TEST(HttpResponseParserTest, BodyUntilEndOfStreamNeedsFinish) {
  HttpResponseParser parser;
  ASSERT_TRUE(parser.feed("HTTP/1.1 200 OK\r\n\r\npartial ").ok());
  ASSERT_TRUE(parser.feed("body").ok());
  EXPECT_FALSE(parser.next().has_value());
  ASSERT_TRUE(parser.finish().ok());
  std::optional<HttpResponse> response = parser.next();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "partial body");
  EXPECT_FALSE(response->keep_alive);
}

TEST(HttpResponseParserTest, FinishInTheMiddleOfAMessageIsAnError) {
  HttpResponseParser parser;
  ASSERT_TRUE(parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc").ok());
  EXPECT_FALSE(parser.finish().ok());
  EXPECT_TRUE(parser.failed());
  HttpRequestParser idle;
  EXPECT_TRUE(idle.finish().ok());
}

TEST(HttpResponseParserTest, LimitsApplyToResponsesToo) {
  HttpLimits limits;
  limits.max_body_bytes = 4;
  HttpResponseParser parser(limits);
  EXPECT_FALSE(parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n").ok());
  EXPECT_EQ(parser.error_http_status(), 413);
  HttpResponseParser garbage;
  EXPECT_FALSE(garbage.feed("HTTX/1.1 200 OK\r\n\r\n").ok());
  EXPECT_EQ(garbage.error_http_status(), 400);
}

TEST(HttpParserTest, ParsersAreMovable) {
  HttpRequestParser parser;
  ASSERT_TRUE(parser.feed("GET /a HTTP/1.1\r\n").ok());
  HttpRequestParser moved = std::move(parser);
  ASSERT_TRUE(moved.feed("\r\n").ok());
  EXPECT_EQ(moved.next()->path, "/a");
}

TEST(HttpLimitsTest, InternalLimitsFitABase64Value) {
  HttpLimits limits = internal_http_limits(1024 * 1024);
  EXPECT_GE(limits.max_body_bytes, (1024 * 1024 + 2) / 3 * 4 + (65535 + 2) / 3 * 4 + 1024);
  EXPECT_EQ(limits.max_header_bytes, HttpLimits().max_header_bytes);
}

}  // namespace
}  // namespace ringkv::wire
