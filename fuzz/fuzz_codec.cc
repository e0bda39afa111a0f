// Fuzz target: the internal message codec. The first byte picks a message kind and the rest
// is its JSON body (decode_message_json) and, as well, its binary batch-frame payload
// (decode_message_binary); the same bytes also go through the HTTP parser into
// decode_message and decode_batch. Oracle: whatever decodes re-encodes and decodes to an
// equal Message in both forms, and carries no counter above 2^62.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/wire/batch.h"
#include "core/wire/codec.h"
#include "core/wire/http_parser.h"
#include "fuzz/fuzz_input.h"

using ringkv::Message;
using ringkv::fuzz::fuzz_expect;
using ringkv::fuzz::FuzzInput;
using namespace ringkv::wire;

namespace {

// The frozen wire names (messages.h), in MessageBody order.
constexpr std::string_view kKinds[] = {
    "kv",            "kv-ack",        "read",  "read-reply", "gossip",       "ae-query",
    "ae-hashes",     "ae-entries",    "version-query",       "version-reply", "ring",
    "ring-ack",      "epoch-refusal", "stream", "stream-batch", "change"};
static_assert(std::size(kKinds) == std::variant_size_v<ringkv::MessageBody>);
constexpr size_t kMaxRequestsTaken = 64;

void expect_round_trip(const Message& message) {
  const std::string kind = ringkv::message_kind_name(message.body);
  // No decoded message carries a counter a clock could wrap on (docs/wire.md).
  fuzz_expect(message.lamport <= ringkv::kMaxVersionCounter, "lamport <= 2^62", kind);
  if (const auto* gossip = std::get_if<ringkv::Gossip>(&message.body)) {
    for (const ringkv::MemberRow& row : gossip->rows) {
      fuzz_expect(row.incarnation <= ringkv::kMaxVersionCounter, "incarnation <= 2^62", kind);
    }
  }
  const std::string json = encode_message_json(message);
  auto again = decode_message_json(kind, json);
  fuzz_expect(again.ok(), "an encoded message decodes",
              kind + " " + json + "\n" + again.status().to_string());
  fuzz_expect(*again == message, "decode(encode(m)) == m (JSON)", kind + " " + json);
  auto from_request = decode_message(encode_message(message));
  fuzz_expect(from_request.ok() && *from_request == message, "decode(encode(m)) == m (request)",
              json);
  std::string payload;
  encode_message_binary(message, payload);
  auto from_binary = decode_message_binary(kind, payload);
  fuzz_expect(from_binary.ok() && *from_binary == message, "decode(encode(m)) == m (binary)",
              json);
}

// A batch that decodes re-encodes to the same frames and decodes to the same messages.
void expect_batch_round_trip(const std::vector<Message>& messages) {
  std::string body;
  for (const Message& message : messages) {
    expect_round_trip(message);
    append_batch_frame(message, body);
  }
  HttpRequestParser parser(internal_http_limits(1u << 20));
  fuzz_expect(parser.feed(encode_batch_request_bytes(body, "n2:1")).ok(), "a batch parses");
  auto request = parser.next();
  fuzz_expect(request.has_value(), "a batch is one request");
  auto again = decode_batch(*request);
  fuzz_expect(again.ok() && *again == messages, "decode(encode(batch)) == batch", body);
}

void decode_requests(std::string_view bytes) {
  HttpRequestParser parser(internal_http_limits(4096));
  (void)parser.feed(bytes);
  if (!parser.failed()) (void)parser.finish();
  MessageDecoder decoder;
  for (size_t taken = 0; taken < kMaxRequestsTaken; ++taken) {
    auto request = parser.next();
    if (!request) break;
    if (is_batch_path(request->path)) {
      auto messages = decode_batch(*request);
      if (messages.ok()) expect_batch_round_trip(*messages);
      continue;
    }
    auto message = decoder.decode(*request);
    if (message.ok()) expect_round_trip(*message);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput input(data, size);
  const std::string_view kind = kKinds[input.byte() % std::size(kKinds)];
  const std::string_view body = input.rest();
  auto message = decode_message_json(kind, body);
  if (message.ok()) {
    fuzz_expect(ringkv::message_kind_name(message->body) == kind, "decoded kind matches path");
    expect_round_trip(*message);
  }
  auto from_binary = decode_message_binary(kind, body);
  if (from_binary.ok()) {
    fuzz_expect(ringkv::message_kind_name(from_binary->body) == kind, "decoded kind matches");
    expect_round_trip(*from_binary);
  }
  decode_requests(body);
  return 0;
}
