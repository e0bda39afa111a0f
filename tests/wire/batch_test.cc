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
  Result<std::vector<Message>> decoded = decode_batch(batch_request(body));
  return decoded.ok() ? "" : decoded.status().message();
}

TEST(BatchTest, FramesArePinned) {
  std::string body;
  append_batch_frame(message_with(ReplicaRead{9, "abc"}), body);
  append_batch_frame(message_with(VersionQuery{8, "abc"}), body);
  // kind length, kind, payload length (fixed32), payload: from ("n1"), lamport (42),
  // ring_epoch (0), op, key ("abc").
  EXPECT_EQ(body, std::string("\x04read\x0a\0\0\0\x02n1\x2a\0\x09\x03" "abc"
                              "\x0dversion-query\x0a\0\0\0\x02n1\x2a\0\x08\x03" "abc",
                              47));
  const std::string bytes = encode_batch_request_bytes(body, "n2:8082", {{"X-Cluster-Token", "t"}});
  EXPECT_EQ(bytes.substr(0, bytes.find("\r\n\r\n")),
            "POST /internal/batch HTTP/1.1\r\nHost: n2:8082\r\nX-Cluster-Token: t\r\n"
            "Content-Type: application/octet-stream\r\nX-Ringkv-Protocol: 4\r\n"
            "Content-Length: 47");
}

RC_GTEST_PROP(BatchProperty, MessagesRoundTripInOrder, ()) {
  const auto messages = *rc::gen::resize(
      20, rc::gen::nonEmpty(rc::gen::container<std::vector<Message>>(testing::message())));
  std::string body;
  for (const Message& message : messages) append_batch_frame(message, body);
  Result<std::vector<Message>> decoded = decode_batch(batch_request(body));
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

// A frame whose payload is `payload` (for hand-made bad frames).
std::string frame(std::string_view kind, std::string_view payload) {
  std::string out(1, static_cast<char>(kind.size()));
  out.append(kind);
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>(payload.size() >> shift));
  out.append(payload);
  return out;
}

TEST(BatchTest, BadFramesFailTheWholeBatchNamingTheFrame) {
  std::string good;
  append_batch_frame(message_with(ReplicaRead{9, "abc"}), good);
  EXPECT_EQ(decode_error(good), "");
  const std::string read_payload("\x02n1\x2a\0\x09\x03" "abc", 10);
  EXPECT_EQ(frame("read", read_payload), good);
  EXPECT_THAT(decode_error(""), HasSubstr("no frames"));
  EXPECT_THAT(decode_error(good + "\x04rea"), HasSubstr("batch frame 1: expected a kind"));
  EXPECT_THAT(decode_error(good + std::string(1, '\0')), HasSubstr("batch frame 1: expected a kind"));
  EXPECT_THAT(decode_error(good + "\x04read\x63\0"), HasSubstr("batch frame 1: the frame is cut"));
  EXPECT_THAT(decode_error(good + frame("read", read_payload).substr(0, 12)),
              HasSubstr("batch frame 1: the frame is cut"));
  EXPECT_THAT(decode_error(good + frame("merkle", read_payload)),
              HasSubstr("batch frame 1: unknown message kind"));
  EXPECT_THAT(decode_error(good + frame("read", read_payload.substr(0, 5))),
              HasSubstr("batch frame 1: field 'op' is cut short"));
  EXPECT_THAT(decode_error(good + frame("read", read_payload + "x")),
              HasSubstr("batch frame 1: message has 1 bytes after its last field"));
  std::string too_many;
  for (size_t i = 0; i <= kMaxBatchMessages; ++i) too_many += good;
  EXPECT_THAT(decode_error(too_many), HasSubstr("more than 1024 frames"));
}

// The binary fields check what their JSON forms check, and name the field.
TEST(BatchTest, BinaryFieldsAreCheckedAndNamed) {
  const std::string head("\x02n1\x2a\0", 5);  // from, lamport, ring_epoch
  auto error = [&](std::string_view kind, const std::string& payload) {
    Result<Message> decoded = decode_message_binary(kind, payload);
    return decoded.ok() ? std::string() : decoded.status().message();
  };
  // kv: op, key, entry {version {counter, node}, tombstone, value}, fresh.
  const std::string kv_head = head + std::string("\x07\x01k", 3);
  EXPECT_EQ(error("kv", kv_head + std::string("\x11\x02n2\0\x01v\x01", 8)), "");
  EXPECT_THAT(error("kv", kv_head + std::string("\x11\x02n2\x01\x01v\x01", 8)),
              HasSubstr("field 'entry.value_b64' must be empty for a tombstone"));
  EXPECT_THAT(error("kv", kv_head + std::string("\x11\0\0\0\x01", 5)),
              HasSubstr("field 'entry.version' has a counter but no node id"));
  EXPECT_THAT(error("kv", kv_head + std::string("\x11\x02n.\0\0\x01", 7)),
              HasSubstr("field 'entry.version' does not name a valid node id"));
  EXPECT_THAT(error("kv", kv_head + std::string("\x11\x02n2\x02\0\x01", 7)),
              HasSubstr("field 'entry.tombstone' must be 0 or 1"));
  // A counter above 2^62 (varint of 2^62 + 1) is refused apart, as in JSON.
  const std::string big("\x81\x80\x80\x80\x80\x80\x80\x80\x40", 9);
  Result<Message> over = decode_message_binary("read", std::string("\x02n1", 3) + big + std::string("\0\x09\0", 3));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), StatusCode::kLimitExceeded);
  EXPECT_THAT(over.status().message(), HasSubstr("field 'lamport' carries a counter above 2^62"));
  std::string long_key = head + "\x09";
  long_key += std::string("\x80\x80\x04", 3);  // a length of 65536
  EXPECT_THAT(error("read", long_key), HasSubstr("field 'key_b64' holds 65536 bytes, more than 65535"));
  // change: kind (enumeration byte), node_id, address.
  EXPECT_THAT(error("change", head + std::string("\x03\x02n4\x03" "a:1", 8)),
              HasSubstr("field 'kind' holds 3, not one of the 3 values"));
  EXPECT_THAT(error("change", head + std::string("\x00\x02n4\x03" "a 1", 8)),
              HasSubstr("field 'address' must be printable ASCII"));
  // ae-query: session, level, indices (count, then elements).
  EXPECT_THAT(error("ae-query", head + std::string("\x01\x01\x81\x20", 4)),
              HasSubstr("field 'indices' has more than 4096 elements"));
  EXPECT_THAT(error("ae-query", head + std::string("\x01\x01\x02\x05", 4)),
              HasSubstr("field 'indices' is cut short or malformed (element 1)"));
}

TEST(BatchTest, ABatchNeedsTheProtocolVersionAndItsPath) {
  std::string body;
  append_batch_frame(message_with(ReplicaRead{9, "abc"}), body);
  HttpRequest request = batch_request(body);
  std::erase_if(request.headers, [](const auto& h) { return h.first == "X-Ringkv-Protocol"; });
  EXPECT_THAT(decode_batch(request).status().message(),
              HasSubstr("speaks wire protocol 1"));
  request = batch_request(body);
  request.path = "/internal/kv";
  EXPECT_THAT(decode_batch(request).status().message(),
              HasSubstr("must be /internal/batch"));
  EXPECT_TRUE(is_batch_path("/internal/batch"));
  EXPECT_FALSE(is_batch_path("/internal/batches"));
  EXPECT_FALSE(is_batch_path("/internal/kv"));
}

}  // namespace
}  // namespace ringkv::wire
