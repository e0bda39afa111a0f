// Examples of the internal message codec: exact wire bytes for each kind (frozen), and
// every kind of malformed input rejected with invalid_argument naming the field.
#include "core/wire/codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/wire/codec_kinds.h"

namespace ringkv::wire {
namespace {

using ::testing::HasSubstr;

Message message_with(MessageBody body) { return Message{"n1", 42, std::move(body)}; }

Message sample_write() {
  return message_with(
      ReplicaWrite{7, std::string("k\0y", 3), Entry{Version{17, "n1"}, false, "hello"}, true});
}

// Decodes `json` as kind `kind` and returns the error message ("" when it decoded).
std::string decode_error(std::string_view kind, std::string_view json) {
  Result<Message> decoded = decode_message_json(kind, json);
  if (decoded.ok()) return "";
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  return decoded.status().message();
}

TEST(CodecTest, KindTableMatchesMessageKindNames) {
  auto kinds = codec_detail::message_kinds();
  ASSERT_EQ(kinds.size(), std::variant_size_v<MessageBody>);
  for (size_t i = 0; i < kinds.size(); ++i) {
    MessageBody body = kinds[i].make_body();
    EXPECT_EQ(body.index(), i);
    EXPECT_EQ(kinds[i].name, message_kind_name(body));
  }
}

TEST(CodecTest, InternalPathPrefix) {
  EXPECT_TRUE(is_internal_path("/internal/kv"));
  EXPECT_TRUE(is_internal_path("/internal/"));
  EXPECT_FALSE(is_internal_path("/internal"));
  EXPECT_FALSE(is_internal_path("/kv/internal/x"));
  EXPECT_EQ(kInternalPathPrefix, "/internal/");
}

TEST(CodecTest, ReplicaWriteWireFormIsPinned) {
  HttpRequest request = encode_message(sample_write());
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/internal/kv");
  ASSERT_NE(request.header("content-type"), nullptr);
  EXPECT_EQ(*request.header("content-type"), "application/json");
  ASSERT_NE(request.header("x-ringkv-protocol"), nullptr);
  EXPECT_EQ(*request.header("x-ringkv-protocol"), "4");
  EXPECT_EQ(
      request.body,
      R"({"from":"n1","lamport":42,"ring_epoch":0,"op":7,"key_b64":"awB5",)"
      R"("entry":{"version":"17.n1","tombstone":false,"value_b64":"aGVsbG8="},"fresh":true})");
}

TEST(CodecTest, OtherKindsWireFormsArePinned) {
  EXPECT_EQ(encode_message_json(message_with(ReplicaWriteAck{7, true, Version{18, "n3"}, true})),
            R"({"from":"n1","lamport":42,"ring_epoch":0,"op":7,"accepted":true,"current":"18.n3",)"
            R"("superseded":true,"held":null})");
  EXPECT_EQ(encode_message_json(message_with(ReplicaWriteAck{
                7, true, Version{18, "n3"}, true, Entry{Version{18, "n3"}, false, "v"}})),
            R"({"from":"n1","lamport":42,"ring_epoch":0,"op":7,"accepted":true,"current":"18.n3",)"
            R"("superseded":true,"held":{"version":"18.n3","tombstone":false,"value_b64":"dg=="}})");
  EXPECT_EQ(encode_message_json(message_with(ReplicaWriteAck{7, true, Version{}, false})),
            R"({"from":"n1","lamport":42,"ring_epoch":0,"op":7,"accepted":true,"current":null,)"
            R"("superseded":false,"held":null})");
  EXPECT_EQ(encode_message_json(message_with(VersionQuery{8, "abc"})),
            R"({"from":"n1","lamport":42,"ring_epoch":0,"op":8,"key_b64":"YWJj"})");
  EXPECT_EQ(encode_message_json(message_with(VersionQueryReply{8, true, Version{17, "n2"}})),
            R"({"from":"n1","lamport":42,"ring_epoch":0,"op":8,"ok":true,"version":"17.n2"})");
  EXPECT_EQ(encode_message_json(message_with(VersionQueryReply{8, false, Version{}})),
            R"({"from":"n1","lamport":42,"ring_epoch":0,"op":8,"ok":false,"version":null})");
  EXPECT_EQ(encode_message_json(message_with(ReplicaRead{9, "abc"})),
            R"({"from":"n1","lamport":42,"ring_epoch":0,"op":9,"key_b64":"YWJj"})");
  EXPECT_EQ(encode_message_json(message_with(ReplicaReadReply{9, true, std::nullopt})),
            R"({"from":"n1","lamport":42,"ring_epoch":0,"op":9,"ok":true,"entry":null})");
  EXPECT_EQ(encode_message_json(
                message_with(ReplicaReadReply{9, true, Entry{Version{3, "n2"}, true, ""}})),
            R"({"from":"n1","lamport":42,"ring_epoch":0,"op":9,"ok":true,)"
            R"("entry":{"version":"3.n2","tombstone":true,"value_b64":""}})");
  Gossip gossip{{MemberRow{"n2", "10.0.0.2:8082", 3, 99, MemberStatus::kSuspect}}, true};
  EXPECT_EQ(encode_message_json(message_with(gossip)),
            R"({"from":"n1","lamport":42,"ring_epoch":0,"reply":true,"rows":[{"node_id":"n2",)"
            R"("address":"10.0.0.2:8082","incarnation":3,"heartbeat":99,"status":"suspect"}]})");
}

TEST(CodecTest, AntiEntropyWireFormsArePinned) {
  EXPECT_EQ(encode_message_json(message_with(MerkleQuery{5, 1, {0, 15}})),
            R"({"from":"n1","lamport":42,"ring_epoch":0,"session":5,"level":1,"indices":[0,15]})");
  EXPECT_EQ(encode_message_json(message_with(MerkleHashes{5, 0, {0}, {18446744073709551615u}})),
            R"({"from":"n1","lamport":42,"ring_epoch":0,"session":5,"level":0,"indices":[0],)"
            R"("hashes":[18446744073709551615]})");
  SyncEntries sync{5, {7}, {KeyedEntry{"k", Entry{Version{2, "n1"}, false, "v"}}}, true};
  EXPECT_EQ(encode_message_json(message_with(sync)),
            R"({"from":"n1","lamport":42,"ring_epoch":0,"session":5,"leaves":[7],"entries":[{"key_b64":"aw==",)"
            R"("entry":{"version":"2.n1","tombstone":false,"value_b64":"dg=="}}],"reply":true})");
  auto decoded = decode_message(encode_message(message_with(sync)));
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  EXPECT_EQ(std::get<SyncEntries>(decoded->body), sync);
}

// The membership-change kinds (docs/membership.md), pinned; every message carries the
// sender's ring epoch.
TEST(CodecTest, MembershipWireFormsArePinned) {
  auto pinned = [](MessageBody body) {
    Message message{"n1", 42, std::move(body), 7};
    const std::string json = encode_message_json(message);
    auto decoded = decode_message(encode_message(message));
    EXPECT_TRUE(decoded.ok()) << decoded.status().to_string();
    if (decoded.ok()) {
      EXPECT_EQ(*decoded, message);
    }
    return json;
  };
  RingDescription ring{7, ChangeStage::kStreaming, "n1", 100,
                       {RingMember{"n1", "h1:1", MemberState::kNormal},
                        RingMember{"n4", "h4:4", MemberState::kJoining}}};
  EXPECT_EQ(pinned(RingState{ring, true}),
            R"({"from":"n1","lamport":42,"ring_epoch":7,"ring":{"epoch":7,"stage":"streaming",)"
            R"("owner":"n1","vnodes":100,"members":[{"id":"n1","address":"h1:1","state":"normal"},)"
            R"({"id":"n4","address":"h4:4","state":"joining"}]},"request":true})");
  EXPECT_EQ(pinned(RingAck{7, 99, true}),
            R"({"from":"n1","lamport":42,"ring_epoch":7,"epoch":7,"digest":99,"streamed":true})");
  EXPECT_EQ(pinned(EpochRefusal{5, 8}),
            R"({"from":"n1","lamport":42,"ring_epoch":7,"op":5,"epoch":8})");
  EXPECT_EQ(pinned(StreamRequest{7, "k", false, 65536}),
            R"({"from":"n1","lamport":42,"ring_epoch":7,"epoch":7,"cursor_b64":"aw==",)"
            R"("from_start":false,"max_bytes":65536})");
  EXPECT_EQ(pinned(StreamBatch{7, {KeyedEntry{"k", Entry{Version{2, "n1"}, true, ""}}}, "k", true,
                               3, 1000}),
            R"({"from":"n1","lamport":42,"ring_epoch":7,"epoch":7,"entries":[{"key_b64":"aw==",)"
            R"("entry":{"version":"2.n1","tombstone":true,"value_b64":""}}],"next_cursor_b64":"aw==",)"
            R"("done":true,"scanned":3,"source_keys":1000})");
  EXPECT_EQ(pinned(ChangeRequest{ChangeKind::kDecommission, "n2", "h2:2"}),
            R"({"from":"n1","lamport":42,"ring_epoch":7,"kind":"decommission","node_id":"n2",)"
            R"("address":"h2:2"})");
  // Names outside their enumeration are refused, naming the field and the choices.
  EXPECT_THAT(decode_error("change", R"({"from":"n1","lamport":1,"ring_epoch":0,"kind":"merge",)"
                                     R"("node_id":"n2","address":"h:1"})"),
              HasSubstr("field 'kind' must be one of \"join\", \"decommission\", \"remove\""));
  EXPECT_THAT(decode_error("ring", R"({"from":"n1","lamport":1,"ring_epoch":0,"request":false,)"
                                   R"("ring":{"epoch":1,"stage":"none","owner":"n 1","vnodes":1,)"
                                   R"("members":[]}})"),
              HasSubstr("field 'ring.owner' is neither empty nor a valid node id"));
}

TEST(CodecTest, EncodedBytesAreAFullHttpRequest) {
  std::string bytes = encode_message_bytes(message_with(ReplicaRead{9, "abc"}), "n2:8082");
  EXPECT_EQ(bytes,
            "POST /internal/read HTTP/1.1\r\nHost: n2:8082\r\nContent-Type: application/json\r\n"
            "X-Ringkv-Protocol: 4\r\n"
            "Content-Length: 65\r\n\r\n"
            R"({"from":"n1","lamport":42,"ring_epoch":0,"op":9,"key_b64":"YWJj"})");
}

TEST(CodecTest, DecodesFieldsInAnyOrderAndSkipsUnknownOnes) {
  Result<Message> decoded = decode_message_json(
      "read",
      R"({"key_b64":"YWJj","future":{"a":[1,2,{"b":null}]},"op":9,"lamport":42,"ring_epoch":0,"from":"n1"})");
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, message_with(ReplicaRead{9, "abc"}));
}

TEST(CodecTest, RejectsWrongMethodPathAndKind) {
  HttpRequest request = encode_message(sample_write());
  request.method = "PUT";
  EXPECT_THAT(decode_message(request).status().message(), HasSubstr("POST"));
  request = encode_message(sample_write());
  request.path = "/kv/x";
  EXPECT_THAT(decode_message(request).status().message(), HasSubstr("/internal/"));
  request.path = "/internal/merkle";
  EXPECT_THAT(decode_message(request).status().message(), HasSubstr("unknown message kind"));
}

TEST(CodecTest, RejectsOtherWireProtocolVersionsNamingBoth) {
  HttpRequest request = encode_message(sample_write());
  std::erase_if(request.headers, [](const auto& h) { return h.first == "X-Ringkv-Protocol"; });
  EXPECT_THAT(decode_message(request).status().message(),
              HasSubstr("the sender speaks wire protocol 1 (no header), this node speaks 4"));
  request.headers.emplace_back("x-ringkv-protocol", "3");
  EXPECT_THAT(decode_message(request).status().message(),
              HasSubstr("speaks wire protocol \"3\", this node speaks 4"));
}

TEST(CodecTest, RejectsMalformedJson) {
  EXPECT_THAT(decode_error("read", ""), HasSubstr("(body)"));
  EXPECT_THAT(decode_error("read", R"({"from":"n1",)"), HasSubstr("malformed JSON"));
  EXPECT_THAT(decode_error("read", R"([1,2])"), HasSubstr("must be a JSON object"));
  EXPECT_THAT(decode_error("read", R"("text")"), HasSubstr("(body)"));
  EXPECT_THAT(decode_error("read", R"({"from":"n1","lamport":42,"ring_epoch":0,"op":9,"key_b64":"YWJj"} {})"),
              HasSubstr("content after the JSON object"));
  EXPECT_THAT(decode_error("read", "{\"from\":\"n1\xff\",\"lamport\":1,\"ring_epoch\":0,\"op\":9,\"key_b64\":\"\"}"),
              HasSubstr("(body)"));
}

TEST(CodecTest, RejectsMissingAndDuplicateFieldsNamingThem) {
  EXPECT_EQ(decode_error("read", R"({"from":"n1","lamport":42,"ring_epoch":0,"key_b64":"YWJj"})"),
            "field 'op' is missing");
  EXPECT_EQ(decode_error("read", R"({"from":"n1","op":1,"lamport":42,"ring_epoch":0,"op":9,"key_b64":"YWJj"})"),
            "field 'op' appears twice");
  EXPECT_EQ(decode_error("kv", R"({"from":"n1","lamport":1,"ring_epoch":0,"op":7,"key_b64":"",)"
                               R"("entry":{"version":"17.n1","tombstone":false},"fresh":true})"),
            "field 'entry.value_b64' is missing");
  EXPECT_EQ(
      decode_error("gossip", R"({"from":"n1","lamport":1,"ring_epoch":0,"reply":true,"rows":[)"
                             R"({"node_id":"n2","address":"a:1","incarnation":1,"heartbeat":2}]})"),
      "field 'rows[0].status' is missing");
}

TEST(CodecTest, RejectsWrongTypesNamingTheField) {
  EXPECT_THAT(decode_error("read", R"({"from":"n1","lamport":"42","ring_epoch":0,"op":9,"key_b64":"YWJj"})"),
              HasSubstr("field 'lamport' must be an unsigned 64-bit integer"));
  EXPECT_THAT(decode_error("read", R"({"from":"n1","lamport":-1,"ring_epoch":0,"op":9,"key_b64":"YWJj"})"),
              HasSubstr("field 'lamport'"));
  EXPECT_THAT(decode_error("read", R"({"from":"n1","lamport":1.5,"ring_epoch":0,"op":9,"key_b64":"YWJj"})"),
              HasSubstr("field 'lamport'"));
  EXPECT_THAT(
      decode_error("read", R"({"from":"n1","lamport":18446744073709551616,"ring_epoch":0,"op":9,"key_b64":""})"),
      HasSubstr("field 'lamport'"));
  EXPECT_THAT(decode_error("read", R"({"from":7,"lamport":1,"ring_epoch":0,"op":9,"key_b64":"YWJj"})"),
              HasSubstr("field 'from' must be a string"));
  EXPECT_THAT(
      decode_error("kv-ack", R"({"from":"n1","lamport":1,"ring_epoch":0,"op":9,"accepted":1,"current":null})"),
      HasSubstr("field 'accepted' must be true or false"));
  EXPECT_THAT(decode_error(
                  "kv", R"({"from":"n1","lamport":1,"ring_epoch":0,"op":7,"key_b64":"","entry":[],"fresh":true})"),
              HasSubstr("field 'entry' must be an object"));
  EXPECT_THAT(decode_error("gossip", R"({"from":"n1","lamport":1,"ring_epoch":0,"reply":true,"rows":{}})"),
              HasSubstr("field 'rows' must be an array"));
  EXPECT_THAT(decode_error("gossip", R"({"from":"n1","lamport":1,"ring_epoch":0,"reply":true,"rows":[3]})"),
              HasSubstr("field 'rows[0]' must be an object"));
}

TEST(CodecTest, RejectsBadBase64VersionsNodeIdsAndStatuses) {
  EXPECT_THAT(decode_error("read", R"({"from":"n1","lamport":1,"ring_epoch":0,"op":9,"key_b64":"YWJ"})"),
              HasSubstr("field 'key_b64' bad base64"));
  EXPECT_THAT(decode_error("read", R"({"from":"n1","lamport":1,"ring_epoch":0,"op":9,"key_b64":"YW!j"})"),
              HasSubstr("field 'key_b64' bad base64"));
  EXPECT_THAT(
      decode_error("kv-ack", R"({"from":"n1","lamport":1,"ring_epoch":0,"op":9,"accepted":false,"current":"17"})"),
      HasSubstr("field 'current' is not a version"));
  EXPECT_THAT(decode_error("kv-ack",
                           R"({"from":"n1","lamport":1,"ring_epoch":0,"op":9,"accepted":false,"current":"x.n1"})"),
              HasSubstr("field 'current' is not a version"));
  EXPECT_THAT(
      decode_error("kv",
                   R"({"from":"n1","lamport":1,"ring_epoch":0,"op":7,"key_b64":"",)"
                   R"("entry":{"version":"1.a.b","tombstone":false,"value_b64":""},"fresh":true})"),
      HasSubstr("field 'entry.version' is not a version"));
  EXPECT_THAT(decode_error("read", R"({"from":"n 1","lamport":1,"ring_epoch":0,"op":9,"key_b64":""})"),
              HasSubstr("field 'from' is not a valid node id"));
  EXPECT_THAT(decode_error("read", R"({"from":"","lamport":1,"ring_epoch":0,"op":9,"key_b64":""})"),
              HasSubstr("field 'from' is not a valid node id"));
  EXPECT_THAT(
      decode_error(
          "gossip",
          R"({"from":"n1","lamport":1,"ring_epoch":0,"reply":true,"rows":[)"
          R"({"node_id":"n2","address":"a:1","incarnation":1,"heartbeat":2,"status":"dead"}]})"),
      HasSubstr("field 'rows[0].status' must be \"alive\", \"suspect\" or \"down\""));
  EXPECT_THAT(
      decode_error(
          "gossip",
          R"({"from":"n1","lamport":1,"ring_epoch":0,"reply":true,"rows":[)"
          R"({"node_id":"n2","address":"a b","incarnation":1,"heartbeat":2,"status":"down"}]})"),
      HasSubstr("field 'rows[0].address'"));
  EXPECT_THAT(
      decode_error(
          "kv", R"({"from":"n1","lamport":1,"ring_epoch":0,"op":7,"key_b64":"",)"
                R"("entry":{"version":"1.n1","tombstone":true,"value_b64":"YQ=="},"fresh":true})"),
      HasSubstr("field 'entry.value_b64' must be empty for a tombstone"));
}

// A counter or incarnation above 2^62 could push a clock toward a wrap: refused with
// kLimitExceeded (the runtime counts it apart), at 2^62 itself accepted.
TEST(CodecTest, RefusesCountersAboveTwoToThe62) {
  auto code_of = [](std::string_view kind, std::string_view json) {
    Result<Message> decoded = decode_message_json(kind, json);
    return decoded.ok() ? StatusCode::kOk : decoded.status().code();
  };
  EXPECT_EQ(code_of("read", R"({"from":"n1","lamport":4611686018427387904,"ring_epoch":0,"op":9,"key_b64":""})"),
            StatusCode::kOk);
  EXPECT_EQ(code_of("read", R"({"from":"n1","lamport":4611686018427387905,"ring_epoch":0,"op":9,"key_b64":""})"),
            StatusCode::kLimitExceeded);
  EXPECT_EQ(code_of("kv-ack", R"({"from":"n1","lamport":1,"ring_epoch":0,"op":9,"accepted":false,)"
                              R"("current":"18446744073709551615.n1"})"),
            StatusCode::kLimitExceeded);
  EXPECT_EQ(code_of("gossip",
                    R"({"from":"n1","lamport":1,"ring_epoch":0,"reply":true,"rows":[{"node_id":"n2",)"
                    R"("address":"a:1","incarnation":4611686018427387905,"heartbeat":2,"status":"alive"}]})"),
            StatusCode::kLimitExceeded);
  Result<Message> decoded = decode_message_json(
      "kv", R"({"from":"n1","lamport":1,"ring_epoch":0,"op":7,"key_b64":"",)"
            R"("entry":{"version":"4611686018427387905.n1","tombstone":true,"value_b64":""},"fresh":true})");
  ASSERT_FALSE(decoded.ok());
  EXPECT_THAT(decoded.status().message(), HasSubstr("field 'entry.version' carries a counter above 2^62"));
}

TEST(CodecTest, EnforcesKeyAndRowLimits) {
  Message at_limit = message_with(ReplicaRead{1, std::string(kMaxWireKeyBytes, 'k')});
  EXPECT_TRUE(decode_message(encode_message(at_limit)).ok());
  Message over_limit = message_with(ReplicaRead{1, std::string(kMaxWireKeyBytes + 1, 'k')});
  EXPECT_THAT(decode_message(encode_message(over_limit)).status().message(),
              HasSubstr("field 'key_b64' decodes to 65536 bytes"));

  Gossip gossip;
  gossip.rows.assign(kMaxMemberRows, MemberRow{"n2", "h:1", 1, 1, MemberStatus::kAlive});
  EXPECT_TRUE(decode_message(encode_message(message_with(gossip))).ok());
  gossip.rows.push_back(gossip.rows.back());
  EXPECT_THAT(decode_message(encode_message(message_with(gossip))).status().message(),
              HasSubstr("field 'rows' has more than 1024 elements"));
}

TEST(CodecTest, DeeplyNestedUnknownMembersAreSkippedWithoutRecursion) {
  const std::string head = R"({"from":"n1","lamport":1,"ring_epoch":0,"op":9,"key_b64":"","x":)";
  std::string deep = head + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_EQ(decode_error("read", deep), "");
  std::string unbalanced = head + std::string(100000, '[') + "}";
  EXPECT_THAT(decode_error("read", unbalanced), HasSubstr("malformed JSON"));
  std::string shallow = head + R"([[[{"a":[]}]]]})";
  EXPECT_EQ(decode_error("read", shallow), "");
}

TEST(CodecTest, ZeroVersionTravelsAsNull) {
  Message ack = message_with(ReplicaWriteAck{5, true, Version{}, false});
  Result<Message> decoded = decode_message(encode_message(ack));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, ack);
}

}  // namespace
}  // namespace ringkv::wire
