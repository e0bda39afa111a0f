// Laws of the HTTP parsers: how a byte stream is split never changes what is parsed,
// and arbitrary bytes never crash a parser nor leave it in an inconsistent state.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>

#include "core/wire/http_parser.h"
#include "core/wire/http_writer.h"
#include "tests/wire/generators.h"

namespace ringkv::wire {
namespace {

rc::Gen<HttpRequest> request();

rc::Gen<std::string> token() {
  static const std::string kChars =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";
  return rc::gen::nonEmpty(rc::gen::container<std::string>(rc::gen::elementOf(kChars)));
}

rc::Gen<std::string> header_value() {
  return rc::gen::map(rc::gen::container<std::string>(rc::gen::inRange<char>('!', '~' + 1)),
                      [](std::string value) { return value; });
}

// Up to 10 headers: well under max_header_count.
rc::Gen<HttpHeaders> headers() {
  return rc::gen::mapcat(rc::gen::inRange<size_t>(0, 11), [](size_t count) {
    return rc::gen::container<HttpHeaders>(count, rc::gen::pair(token(), header_value()));
  });
}

// Up to 8 requests in one stream.
rc::Gen<std::vector<HttpRequest>> request_stream() {
  return rc::gen::mapcat(rc::gen::inRange<size_t>(0, 9), [](size_t count) {
    return rc::gen::container<std::vector<HttpRequest>>(count, request());
  });
}

rc::Gen<HttpRequest> request() {
  return rc::gen::map(rc::gen::tuple(rc::gen::element<std::string>("GET", "PUT", "POST", "DELETE"),
                                     token(), headers(), testing::binary_string()),
                      [](std::tuple<std::string, std::string, HttpHeaders, std::string> parts) {
                        auto& [method, segment, headers, body] = parts;
                        HttpRequest request;
                        request.method = method;
                        request.target = "/kv/" + segment + "?w=2";
                        split_target(request.target, request.path, request.query);
                        for (auto& header : headers)
                          header.first = "X-" + header.first;  // not framing headers
                        request.headers = headers;
                        request.body = body;
                        return request;
                      });
}

// Cuts `bytes` at the given fractions (sorted positions), possibly empty pieces.
std::vector<std::string> split_at(const std::string& bytes, std::vector<size_t> cuts) {
  for (size_t& cut : cuts) cut = bytes.empty() ? 0 : cut % (bytes.size() + 1);
  std::sort(cuts.begin(), cuts.end());
  std::vector<std::string> pieces;
  size_t start = 0;
  for (size_t cut : cuts) {
    pieces.push_back(bytes.substr(start, cut - start));
    start = cut;
  }
  pieces.push_back(bytes.substr(start));
  return pieces;
}

RC_GTEST_PROP(HttpParserProperty, AnySplitOfPipelinedRequestsGivesTheSameRequests, ()) {
  const auto requests = *request_stream();
  std::string stream;
  for (const HttpRequest& r : requests) stream += serialize(r);
  const auto cuts = *rc::gen::container<std::vector<size_t>>(rc::gen::arbitrary<size_t>());

  HttpRequestParser parser;
  std::vector<HttpRequest> parsed;
  for (const std::string& piece : split_at(stream, cuts)) {
    RC_ASSERT(parser.feed(piece).ok());
    while (auto r = parser.next()) parsed.push_back(std::move(*r));
  }
  RC_ASSERT(parsed.size() == requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    RC_ASSERT(parsed[i].method == requests[i].method);
    RC_ASSERT(parsed[i].target == requests[i].target);
    RC_ASSERT(parsed[i].path == requests[i].path);
    RC_ASSERT(parsed[i].query == requests[i].query);
    RC_ASSERT(parsed[i].body == requests[i].body);
    RC_ASSERT(parsed[i].keep_alive);
    for (const auto& [name, value] : requests[i].headers) {
      RC_ASSERT(parsed[i].header(name) != nullptr);
    }
    RC_ASSERT(parsed[i].headers.size() == requests[i].headers.size() + 1);  // + Content-Length
  }
  RC_ASSERT(!parser.in_message());
}

RC_GTEST_PROP(HttpParserProperty, ByteAtATimeEqualsAllAtOnce, ()) {
  const auto requests = *request_stream();
  std::string stream;
  for (const HttpRequest& r : requests) stream += serialize(r);
  HttpRequestParser whole;
  RC_ASSERT(whole.feed(stream).ok());
  HttpRequestParser bytewise;
  for (char c : stream) RC_ASSERT(bytewise.feed(std::string_view(&c, 1)).ok());
  for (size_t i = 0; i < requests.size(); ++i) {
    std::optional<HttpRequest> a = whole.next();
    std::optional<HttpRequest> b = bytewise.next();
    RC_ASSERT(a.has_value() && b.has_value());
    RC_ASSERT(*a == *b);
  }
  RC_ASSERT(!whole.next().has_value());
  RC_ASSERT(!bytewise.next().has_value());
}

RC_GTEST_PROP(HttpParserProperty, AnySplitOfResponsesGivesTheSameResponses, ()) {
  const auto bodies = *rc::gen::container<std::vector<std::string>>(testing::binary_string());
  const auto statuses =
      *rc::gen::container<std::vector<int>>(bodies.size(), rc::gen::element(200, 400, 404, 503));
  std::string stream;
  for (size_t i = 0; i < bodies.size(); ++i)
    stream += serialize(make_response(statuses[i], bodies[i]));
  const auto cuts = *rc::gen::container<std::vector<size_t>>(rc::gen::arbitrary<size_t>());
  HttpResponseParser parser;
  std::vector<HttpResponse> parsed;
  for (const std::string& piece : split_at(stream, cuts)) {
    RC_ASSERT(parser.feed(piece).ok());
    while (auto r = parser.next()) parsed.push_back(std::move(*r));
  }
  RC_ASSERT(parsed.size() == bodies.size());
  for (size_t i = 0; i < bodies.size(); ++i) {
    RC_ASSERT(parsed[i].status == statuses[i]);
    RC_ASSERT(parsed[i].body == bodies[i]);
  }
}

void check_consistent(const HttpParserBase& parser, const Status& status) {
  static const std::set<int> kStatuses = {400, 411, 413, 431, 503};
  if (parser.failed()) {
    RC_ASSERT(!status.ok());
    RC_ASSERT(kStatuses.count(parser.error_http_status()) == 1);
    RC_ASSERT(!parser.error().message().empty());
  } else {
    RC_ASSERT(status.ok());
    RC_ASSERT(parser.error_http_status() == 0);
  }
}

RC_GTEST_PROP(HttpParserProperty, GarbageNeverCrashesARequestParser, ()) {
  const auto chunks = *rc::gen::container<std::vector<std::string>>(testing::binary_string());
  const auto prefix =
      *rc::gen::element<std::string>("", "GET / HTTP/1.1\r\n", "POST /x HTTP/1.1\r\n",
                                     "PUT /kv/a HTTP/1.1\r\nContent-Length: 3\r\n");
  HttpLimits limits;
  limits.max_pending_messages = 2;
  limits.max_header_bytes = 512;
  limits.max_body_bytes = 64;
  HttpRequestParser parser(limits);
  Status status = parser.feed(prefix);
  check_consistent(parser, status);
  for (const std::string& chunk : chunks) {
    status = parser.feed(chunk);
    check_consistent(parser, status);
    if (*rc::gen::arbitrary<bool>()) parser.next();
  }
  status = parser.finish();
  check_consistent(parser, status);
  while (auto r = parser.next()) RC_ASSERT(r->body.size() <= limits.max_body_bytes);
}

RC_GTEST_PROP(HttpParserProperty, GarbageNeverCrashesAResponseParser, ()) {
  const auto chunks = *rc::gen::container<std::vector<std::string>>(testing::binary_string());
  HttpResponseParser parser;
  Status status = parser.feed("HTTP/1.1 200 OK\r\n");
  for (const std::string& chunk : chunks) {
    status = parser.feed(chunk);
    check_consistent(parser, status);
  }
  status = parser.finish();
  check_consistent(parser, status);
}

}  // namespace
}  // namespace ringkv::wire

namespace ringkv::wire {
namespace {

RC_GTEST_PROP(HttpParserProperty, CorruptedStreamsFailCleanlyOrParse, ()) {
  const auto requests = *request_stream();
  std::string stream;
  for (const HttpRequest& r : requests) stream += serialize(r);
  RC_PRE(!stream.empty());
  const auto flips = *rc::gen::container<std::vector<std::pair<size_t, char>>>(rc::gen::pair(
      rc::gen::arbitrary<size_t>(), rc::gen::cast<char>(rc::gen::inRange<int>(0, 256))));
  for (const auto& [position, byte] : flips) stream[position % stream.size()] = byte;
  const auto cuts = *rc::gen::container<std::vector<size_t>>(rc::gen::arbitrary<size_t>());
  HttpLimits limits;
  limits.max_pending_messages = 3;
  HttpRequestParser parser(limits);
  size_t parsed = 0;
  for (const std::string& piece : split_at(stream, cuts)) {
    check_consistent(parser, parser.feed(piece));
    while (parser.next()) ++parsed;
  }
  check_consistent(parser, parser.finish());
  while (parser.next()) ++parsed;
  if (flips.empty()) RC_ASSERT(parsed == requests.size());
}

}  // namespace
}  // namespace ringkv::wire
