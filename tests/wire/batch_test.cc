// Batches of internal messages: the frame format is pinned, batches round-trip through the
// HTTP bytes, splitting respects the limits, and a bad frame fails the whole batch, named.
#include "core/wire/batch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "core/wire/http_parser.h"
#include "tests/wire/generators.h"

namespace ringkv::wire {
namespace {

using ::testing::HasSubstr;

Message message_with(MessageBody body) { return Message{"n1", 42, std::move(body)}; }

HttpRequest parse_one(const std::string& bytes) {
  HttpLimits limits;
  limits.max_body_bytes = 64u << 20;
  HttpRequestParser parser(limits);
  EXPECT_TRUE(parser.feed(bytes).ok());
  std::optional<HttpRequest> request = parser.next();
  EXPECT_TRUE(request.has_value());
  return request.value_or(HttpRequest{});
}

HttpRequest batch_request(const std::string& body) {
  return parse_one(encode_batch_request_bytes(body, "n2:8082"));
}

std::string decode_error(const std::string& body) {
  MessageDecoder decoder;
  Result<std::vector<Message>> decoded = decode_batch(batch_request(body), decoder);
  return decoded.ok() ? "" : decoded.status().message();
}

TEST(BatchTest, FramesArePinned) {
  std::string body;
  append_batch_frame(message_with(ReplicaRead{9, "abc"}), body);
  append_batch_frame(message_with(VersionQuery{8, "abc"}), body);
  EXPECT_EQ(body,
            "read 65\n{\"from\":\"n1\",\"lamport\":42,\"ring_epoch\":0,\"op\":9,\"key_b64\":\"YWJj\"}\n"
            "version-query 65\n{\"from\":\"n1\",\"lamport\":42,\"ring_epoch\":0,\"op\":8,"
            "\"key_b64\":\"YWJj\"}\n");
  const std::string bytes = encode_batch_request_bytes(body, "n2:8082", {{"X-Cluster-Token", "t"}});
  EXPECT_EQ(bytes.substr(0, bytes.find("\r\n\r\n")),
            "POST /internal/batch HTTP/1.1\r\nHost: n2:8082\r\nX-Cluster-Token: t\r\n"
            "Content-Type: text/plain\r\nX-Ringkv-Protocol: 3\r\nContent-Length: 157");
}

RC_GTEST_PROP(BatchProperty, MessagesRoundTripInOrder, ()) {
  const auto messages = *rc::gen::resize(
      20, rc::gen::nonEmpty(rc::gen::container<std::vector<Message>>(testing::message())));
  std::string body;
  for (const Message& message : messages) append_batch_frame(message, body);
  MessageDecoder decoder;
  Result<std::vector<Message>> decoded = decode_batch(batch_request(body), decoder);
  RC_ASSERT(decoded.ok());
  RC_ASSERT(*decoded == messages);
}

TEST(BatchTest, TakingABatchRespectsTheByteAndFrameLimits) {
  std::deque<std::string> frames;
  for (int i = 0; i < 10; ++i) frames.push_back(std::string(100, 'x'));
  std::string body;
  EXPECT_EQ(take_batch_body(frames, 350, body), 3u);
  EXPECT_EQ(body.size(), 300u);
  body.clear();
  frames.push_front(std::string(1000, 'y'));  // larger than the limit alone: goes by itself
  EXPECT_EQ(take_batch_body(frames, 350, body), 1u);
  EXPECT_EQ(body.size(), 1000u);
  frames.assign(kMaxBatchMessages + 5, "f");
  body.clear();
  EXPECT_EQ(take_batch_body(frames, 1u << 30, body), kMaxBatchMessages);
  EXPECT_EQ(frames.size(), 5u);
}

TEST(BatchTest, BadFramesFailTheWholeBatchNamingTheFrame) {
  std::string good;
  append_batch_frame(message_with(ReplicaRead{9, "abc"}), good);
  EXPECT_EQ(decode_error(good), "");
  EXPECT_THAT(decode_error(""), HasSubstr("no frames"));
  EXPECT_THAT(decode_error(good + "read"), HasSubstr("batch frame 1: expected '<kind> <length>"));
  EXPECT_THAT(decode_error(good + "read x\n{}\n"), HasSubstr("batch frame 1: expected a decimal"));
  EXPECT_THAT(decode_error(good + "read 99\n{}\n"), HasSubstr("batch frame 1: the frame is cut"));
  EXPECT_THAT(decode_error(good + "read 2\n{}X"), HasSubstr("lacks its final newline"));
  EXPECT_THAT(decode_error(good + "read 99999999999\n"), HasSubstr("too many digits"));
  EXPECT_THAT(decode_error(good + "merkle 2\n{}\n"),
              HasSubstr("batch frame 1: unknown message kind"));
  EXPECT_THAT(decode_error(good + "read 2\n{}\n"), HasSubstr("batch frame 1: field"));
  std::string too_many;
  for (size_t i = 0; i <= kMaxBatchMessages; ++i) too_many += good;
  EXPECT_THAT(decode_error(too_many), HasSubstr("more than 1024 frames"));
}

TEST(BatchTest, ABatchNeedsTheProtocolVersionAndItsPath) {
  std::string body;
  append_batch_frame(message_with(ReplicaRead{9, "abc"}), body);
  HttpRequest request = batch_request(body);
  std::erase_if(request.headers, [](const auto& h) { return h.first == "X-Ringkv-Protocol"; });
  MessageDecoder decoder;
  EXPECT_THAT(decode_batch(request, decoder).status().message(),
              HasSubstr("speaks wire protocol 1"));
  request = batch_request(body);
  request.path = "/internal/kv";
  EXPECT_THAT(decode_batch(request, decoder).status().message(),
              HasSubstr("must be /internal/batch"));
  EXPECT_TRUE(is_batch_path("/internal/batch"));
  EXPECT_FALSE(is_batch_path("/internal/batches"));
  EXPECT_FALSE(is_batch_path("/internal/kv"));
}

}  // namespace
}  // namespace ringkv::wire
