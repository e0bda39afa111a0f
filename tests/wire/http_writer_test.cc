// The HTTP writer: exact bytes for requests and responses, framing headers owned by the
// writer, and everything it writes parsed back unchanged.
#include "core/wire/http_writer.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "core/wire/http_parser.h"
#include "tests/wire/generators.h"

namespace ringkv::wire {
namespace {

TEST(HttpWriterTest, SerializesARequestWithContentLength) {
  HttpRequest request =
      make_request("PUT", "/kv/a?w=2", "n1:8081", "xyz", "application/octet-stream");
  EXPECT_EQ(serialize(request),
            "PUT /kv/a?w=2 HTTP/1.1\r\nHost: n1:8081\r\nContent-Type: application/octet-stream\r\n"
            "Content-Length: 3\r\n\r\nxyz");
  request.keep_alive = false;
  EXPECT_EQ(serialize(request),
            "PUT /kv/a?w=2 HTTP/1.1\r\nHost: n1:8081\r\nContent-Type: application/octet-stream\r\n"
            "Content-Length: 3\r\nConnection: close\r\n\r\nxyz");
}

TEST(HttpWriterTest, BuildsTheTargetFromPathAndQuery) {
  HttpRequest request;
  request.method = "GET";
  request.path = "/kv/b";
  EXPECT_EQ(serialize(request), "GET /kv/b HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  request.query = "r=1";
  EXPECT_EQ(serialize(request), "GET /kv/b?r=1 HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
}

TEST(HttpWriterTest, IgnoresFramingHeadersFromTheCaller) {
  HttpResponse response = make_response(200, "abc");
  response.headers.emplace_back("content-length", "99");
  response.headers.emplace_back("Transfer-Encoding", "chunked");
  response.headers.emplace_back("Connection", "keep-alive");
  response.headers.emplace_back("X-Version", "3.n1");
  EXPECT_EQ(serialize(response),
            "HTTP/1.1 200 OK\r\nX-Version: 3.n1\r\nContent-Length: 3\r\n\r\nabc");
}

TEST(HttpWriterTest, BodylessStatusesHaveNoContentLength) {
  HttpResponse no_content = make_response(204);
  no_content.headers.emplace_back("X-Version", "4.n2");
  EXPECT_EQ(serialize(no_content), "HTTP/1.1 204 No Content\r\nX-Version: 4.n2\r\n\r\n");
  HttpResponse closing = make_response(404, "");
  closing.keep_alive = false;
  EXPECT_EQ(serialize(closing),
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
}

TEST(HttpWriterTest, ErrorResponsesCarryAJsonBody) {
  HttpResponse response = make_error_response(400, "bad key \"a\"\n");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(*response.header("Content-Type"), "application/json");
  EXPECT_EQ(response.body, R"({"error":"bad key \"a\"\n"})");
}

TEST(HttpWriterTest, ReasonPhrases) {
  EXPECT_STREQ(reason_phrase(411), "Length Required");
  EXPECT_STREQ(reason_phrase(431), "Request Header Fields Too Large");
  EXPECT_STREQ(reason_phrase(799), "Unknown");
  EXPECT_TRUE(valid_header_text("3.n1"));
  EXPECT_FALSE(valid_header_text("a\r\nInjected: 1"));
  EXPECT_FALSE(valid_header_text(std::string("a\0b", 3)));
}

TEST(HttpWriterDeathTest, HeaderInjectionIsAProgrammerError) {
  HttpResponse response = make_response(200);
  response.headers.emplace_back("X-Version", "1.n1\r\nSet-Cookie: x");
  EXPECT_DEATH(serialize(response), "CR, LF or NUL");
}

RC_GTEST_PROP(HttpWriterProperty, ResponsesRoundTripThroughTheParser, ()) {
  const auto status = *rc::gen::element(200, 204, 400, 404, 413, 503);
  const auto body = status == 204 ? std::string() : *testing::binary_string();
  const auto keep_alive = *rc::gen::arbitrary<bool>();
  const auto version = *testing::version();
  HttpResponse response = make_response(status, body, "application/octet-stream");
  response.headers.emplace_back("X-Version", version.to_string());
  response.keep_alive = keep_alive;
  HttpResponseParser parser;
  RC_ASSERT(parser.feed(serialize(response)).ok());
  std::optional<HttpResponse> parsed = parser.next();
  RC_ASSERT(parsed.has_value());
  RC_ASSERT(parsed->status == status);
  RC_ASSERT(parsed->reason == std::string(reason_phrase(status)));
  RC_ASSERT(parsed->body == body);
  RC_ASSERT(parsed->keep_alive == keep_alive);
  RC_ASSERT(*parsed->header("x-version") == version.to_string());
}

}  // namespace
}  // namespace ringkv::wire
