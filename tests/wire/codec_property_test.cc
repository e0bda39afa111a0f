// Laws of the message codec: every message survives encode -> HTTP bytes -> parse ->
// decode unchanged, and no mutation of a valid body can crash the decoder.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "core/wire/codec.h"
#include "core/wire/http_parser.h"
#include "core/wire/http_writer.h"
#include "tests/wire/generators.h"

namespace ringkv::wire {
namespace {

HttpLimits roomy_limits() {
  HttpLimits limits;
  limits.max_body_bytes = 64 * 1024 * 1024;
  return limits;
}

RC_GTEST_PROP(CodecProperty, EveryMessageRoundTripsThroughHttpBytes, (const Message& message)) {
  std::string bytes = encode_message_bytes(message, "n2:8082");
  HttpRequestParser parser(roomy_limits());
  RC_ASSERT(parser.feed(bytes).ok());
  std::optional<HttpRequest> request = parser.next();
  RC_ASSERT(request.has_value());
  RC_ASSERT(request->path == std::string("/internal/") + message_kind_name(message.body));
  Result<Message> decoded = decode_message(*request);
  if (!decoded.ok()) RC_FAIL(decoded.status().to_string());
  RC_ASSERT(*decoded == message);
}

// encode_message_bytes writes the request in one pass; it must be the generic writer's bytes.
RC_GTEST_PROP(CodecProperty, DirectBytesEqualTheGenericSerialization, (const Message& message)) {
  HttpRequest request = encode_message(message);
  request.headers.emplace(request.headers.begin(), "Host", "n2:8082");
  RC_ASSERT(encode_message_bytes(message, "n2:8082") == serialize(request));
}

RC_GTEST_PROP(CodecProperty, ReusedDecoderRoundTripsSequences,
              (const std::vector<Message>& messages)) {
  MessageDecoder decoder;
  for (const Message& message : messages) {
    Result<Message> decoded = decoder.decode(encode_message(message));
    RC_ASSERT(decoded.ok());
    RC_ASSERT(*decoded == message);
  }
}

RC_GTEST_PROP(CodecProperty, MutatedBodiesNeverCrashTheDecoder, (const Message& message)) {
  std::string json = encode_message_json(message);
  const auto position = *rc::gen::inRange<size_t>(0, json.size());
  const auto replacement = *rc::gen::cast<char>(rc::gen::inRange<int>(0, 256));
  const auto cut = *rc::gen::arbitrary<bool>();
  if (cut) {
    json.resize(position);
  } else {
    json[position] = replacement;
  }
  Result<Message> decoded = decode_message_json(message_kind_name(message.body), json);
  if (!decoded.ok()) {
    RC_ASSERT(decoded.status().code() == StatusCode::kInvalidArgument);
    RC_ASSERT(!decoded.status().message().empty());
  }
}

RC_GTEST_PROP(CodecProperty, EveryMessageRoundTripsThroughTheBinaryForm, (const Message& message)) {
  std::string payload;
  encode_message_binary(message, payload);
  Result<Message> decoded = decode_message_binary(message_kind_name(message.body), payload);
  if (!decoded.ok()) RC_FAIL(decoded.status().to_string());
  RC_ASSERT(*decoded == message);
}

// A damaged binary payload is refused with a reason, or decodes to a message that
// round-trips (a changed byte can still spell a valid message).
RC_GTEST_PROP(CodecProperty, MutatedBinaryPayloadsNeverCrashTheDecoder, (const Message& message)) {
  std::string payload;
  encode_message_binary(message, payload);
  const auto position = *rc::gen::inRange<size_t>(0, payload.size());
  const auto replacement = *rc::gen::cast<char>(rc::gen::inRange<int>(0, 256));
  if (*rc::gen::arbitrary<bool>()) {
    payload.resize(position);
  } else {
    payload[position] = replacement;
  }
  const std::string kind = message_kind_name(message.body);
  Result<Message> decoded = decode_message_binary(kind, payload);
  if (!decoded.ok()) {
    RC_ASSERT(decoded.status().code() == StatusCode::kInvalidArgument ||
              decoded.status().code() == StatusCode::kLimitExceeded);
    RC_ASSERT(!decoded.status().message().empty());
    return;
  }
  std::string again;
  encode_message_binary(*decoded, again);
  Result<Message> twice = decode_message_binary(kind, again);
  RC_ASSERT(twice.ok() && *twice == *decoded);
}

RC_GTEST_PROP(CodecProperty, EncodingIsDeterministic, (const Message& message)) {
  RC_ASSERT(encode_message_bytes(message, "h:1") == encode_message_bytes(message, "h:1"));
}

}  // namespace
}  // namespace ringkv::wire
