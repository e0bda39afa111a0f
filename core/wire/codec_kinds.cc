// The wire tables. Every name below reaches the wire: FROZEN (renaming one breaks
// mixed-version clusters; add new members instead, old peers skip unknown ones).
#include "core/wire/codec_kinds.h"

#include "core/wire/codec.h"

namespace ringkv::wire::codec_detail {

namespace {

constexpr FieldSpec<Message> kCommonFields[] = {
    member_field<Message, &Message::from, NodeIdField>("from"),
    member_field<Message, &Message::lamport, CounterField>("lamport"),
    member_field<Message, &Message::epoch, CounterField>("ring_epoch"),
};

constexpr FieldSpec<Entry> kEntryFields[] = {
    member_field<Entry, &Entry::version, VersionField>("version"),
    member_field<Entry, &Entry::tombstone, BoolField>("tombstone"),
    member_field<Entry, &Entry::value, ValueField>("value_b64"),
};

constexpr FieldSpec<MemberRow> kMemberRowFields[] = {
    member_field<MemberRow, &MemberRow::node_id, NodeIdField>("node_id"),
    member_field<MemberRow, &MemberRow::address, AddressField>("address"),
    member_field<MemberRow, &MemberRow::incarnation, CounterField>("incarnation"),
    member_field<MemberRow, &MemberRow::heartbeat, CounterField>("heartbeat"),
    member_field<MemberRow, &MemberRow::status, MemberStatusField>("status"),
};

using MemberRowsField = ListField<ObjectField<MemberRow, kMemberRowFields>, kMaxMemberRows>;

constexpr FieldSpec<Message> kReplicaWriteFields[] = {
    body_field<ReplicaWrite, &ReplicaWrite::op, U64Field>("op"),
    body_field<ReplicaWrite, &ReplicaWrite::key, KeyField>("key_b64"),
    body_field<ReplicaWrite, &ReplicaWrite::entry, EntryField>("entry"),
    body_field<ReplicaWrite, &ReplicaWrite::fresh, BoolField>("fresh"),
};

constexpr FieldSpec<Message> kReplicaWriteAckFields[] = {
    body_field<ReplicaWriteAck, &ReplicaWriteAck::op, U64Field>("op"),
    body_field<ReplicaWriteAck, &ReplicaWriteAck::accepted, BoolField>("accepted"),
    body_field<ReplicaWriteAck, &ReplicaWriteAck::current, VersionField>("current"),
    body_field<ReplicaWriteAck, &ReplicaWriteAck::superseded, BoolField>("superseded"),
    body_field<ReplicaWriteAck, &ReplicaWriteAck::held, OptionalEntryField>("held"),
};

constexpr FieldSpec<Message> kVersionQueryFields[] = {
    body_field<VersionQuery, &VersionQuery::op, U64Field>("op"),
    body_field<VersionQuery, &VersionQuery::key, KeyField>("key_b64"),
};

constexpr FieldSpec<Message> kVersionQueryReplyFields[] = {
    body_field<VersionQueryReply, &VersionQueryReply::op, U64Field>("op"),
    body_field<VersionQueryReply, &VersionQueryReply::ok, BoolField>("ok"),
    body_field<VersionQueryReply, &VersionQueryReply::version, VersionField>("version"),
};

constexpr FieldSpec<Message> kReplicaReadFields[] = {
    body_field<ReplicaRead, &ReplicaRead::op, U64Field>("op"),
    body_field<ReplicaRead, &ReplicaRead::key, KeyField>("key_b64"),
};

constexpr FieldSpec<Message> kReplicaReadReplyFields[] = {
    body_field<ReplicaReadReply, &ReplicaReadReply::op, U64Field>("op"),
    body_field<ReplicaReadReply, &ReplicaReadReply::ok, BoolField>("ok"),
    body_field<ReplicaReadReply, &ReplicaReadReply::entry, OptionalEntryField>("entry"),
};

constexpr FieldSpec<Message> kGossipFields[] = {
    body_field<Gossip, &Gossip::reply, BoolField>("reply"),
    body_field<Gossip, &Gossip::rows, MemberRowsField>("rows"),
};

// Anti-entropy. Bounds: a MerkleQuery asks for at most the 4096 leaves of one level; a
// SyncEntries carries at most 4096 entries (the node sends far fewer:
// anti_entropy_max_entries_per_message).
constexpr size_t kMaxTreeIndices = 4096;
constexpr size_t kMaxSyncEntries = 4096;

constexpr FieldSpec<KeyedEntry> kKeyedEntryFields[] = {
    member_field<KeyedEntry, &KeyedEntry::key, KeyField>("key_b64"),
    member_field<KeyedEntry, &KeyedEntry::entry, EntryField>("entry"),
};

constexpr FieldSpec<Message> kMerkleQueryFields[] = {
    body_field<MerkleQuery, &MerkleQuery::session, U64Field>("session"),
    body_field<MerkleQuery, &MerkleQuery::level, U32Field>("level"),
    body_field<MerkleQuery, &MerkleQuery::indices, ListField<U32Field, kMaxTreeIndices>>(
        "indices"),
};

constexpr FieldSpec<Message> kMerkleHashesFields[] = {
    body_field<MerkleHashes, &MerkleHashes::session, U64Field>("session"),
    body_field<MerkleHashes, &MerkleHashes::level, U32Field>("level"),
    body_field<MerkleHashes, &MerkleHashes::indices, ListField<U32Field, kMaxTreeIndices>>(
        "indices"),
    body_field<MerkleHashes, &MerkleHashes::hashes, ListField<U64Field, kMaxTreeIndices>>(
        "hashes"),
};

constexpr FieldSpec<Message> kSyncEntriesFields[] = {
    body_field<SyncEntries, &SyncEntries::session, U64Field>("session"),
    body_field<SyncEntries, &SyncEntries::leaves, ListField<U32Field, kMaxTreeIndices>>("leaves"),
    body_field<SyncEntries, &SyncEntries::entries,
               ListField<ObjectField<KeyedEntry, kKeyedEntryFields>, kMaxSyncEntries>>("entries"),
    body_field<SyncEntries, &SyncEntries::reply, BoolField>("reply"),
};

// Membership changes (docs/membership.md). A configuration holds at most
// kMaxMemberRows members; a stream batch at most kMaxSyncEntries entries (the node sends
// far fewer: its byte budget per batch).
constexpr FieldSpec<RingMember> kRingMemberFields[] = {
    member_field<RingMember, &RingMember::id, NodeIdField>("id"),
    member_field<RingMember, &RingMember::address, AddressField>("address"),
    member_field<RingMember, &RingMember::state, MemberStateField>("state"),
};

constexpr FieldSpec<RingDescription> kRingDescriptionFields[] = {
    member_field<RingDescription, &RingDescription::epoch, CounterField>("epoch"),
    member_field<RingDescription, &RingDescription::stage, ChangeStageField>("stage"),
    member_field<RingDescription, &RingDescription::owner, OwnerField>("owner"),
    member_field<RingDescription, &RingDescription::vnodes_per_node, U32Field>("vnodes"),
    member_field<RingDescription, &RingDescription::members,
                 ListField<ObjectField<RingMember, kRingMemberFields>, kMaxMemberRows>>(
        "members"),
};

constexpr FieldSpec<Message> kRingStateFields[] = {
    body_field<RingState, &RingState::ring, ObjectField<RingDescription, kRingDescriptionFields>>(
        "ring"),
    body_field<RingState, &RingState::request, BoolField>("request"),
};

constexpr FieldSpec<Message> kRingAckFields[] = {
    body_field<RingAck, &RingAck::epoch, CounterField>("epoch"),
    body_field<RingAck, &RingAck::digest, U64Field>("digest"),
    body_field<RingAck, &RingAck::streamed, BoolField>("streamed"),
};

constexpr FieldSpec<Message> kEpochRefusalFields[] = {
    body_field<EpochRefusal, &EpochRefusal::op, U64Field>("op"),
    body_field<EpochRefusal, &EpochRefusal::epoch, CounterField>("epoch"),
};

constexpr FieldSpec<Message> kStreamRequestFields[] = {
    body_field<StreamRequest, &StreamRequest::epoch, CounterField>("epoch"),
    body_field<StreamRequest, &StreamRequest::cursor, KeyField>("cursor_b64"),
    body_field<StreamRequest, &StreamRequest::from_start, BoolField>("from_start"),
    body_field<StreamRequest, &StreamRequest::max_bytes, U32Field>("max_bytes"),
};

constexpr FieldSpec<Message> kStreamBatchFields[] = {
    body_field<StreamBatch, &StreamBatch::epoch, CounterField>("epoch"),
    body_field<StreamBatch, &StreamBatch::entries,
               ListField<ObjectField<KeyedEntry, kKeyedEntryFields>, kMaxSyncEntries>>("entries"),
    body_field<StreamBatch, &StreamBatch::next_cursor, KeyField>("next_cursor_b64"),
    body_field<StreamBatch, &StreamBatch::done, BoolField>("done"),
    body_field<StreamBatch, &StreamBatch::scanned, U32Field>("scanned"),
    body_field<StreamBatch, &StreamBatch::source_keys, U64Field>("source_keys"),
};

constexpr FieldSpec<Message> kChangeRequestFields[] = {
    body_field<ChangeRequest, &ChangeRequest::kind, ChangeKindField>("kind"),
    body_field<ChangeRequest, &ChangeRequest::node_id, NodeIdField>("node_id"),
    body_field<ChangeRequest, &ChangeRequest::address, AddressField>("address"),
};

template <typename Body>
MessageBody make_body() {
  return Body{};
}

// Order = MessageBody alternatives. Names = message_kind_name() (checked by a test).
constexpr MessageKind kMessageKinds[] = {
    {"kv", &make_body<ReplicaWrite>, kReplicaWriteFields},
    {"kv-ack", &make_body<ReplicaWriteAck>, kReplicaWriteAckFields},
    {"read", &make_body<ReplicaRead>, kReplicaReadFields},
    {"read-reply", &make_body<ReplicaReadReply>, kReplicaReadReplyFields},
    {"gossip", &make_body<Gossip>, kGossipFields},
    {"ae-query", &make_body<MerkleQuery>, kMerkleQueryFields},
    {"ae-hashes", &make_body<MerkleHashes>, kMerkleHashesFields},
    {"ae-entries", &make_body<SyncEntries>, kSyncEntriesFields},
    {"version-query", &make_body<VersionQuery>, kVersionQueryFields},
    {"version-reply", &make_body<VersionQueryReply>, kVersionQueryReplyFields},
    {"ring", &make_body<RingState>, kRingStateFields},
    {"ring-ack", &make_body<RingAck>, kRingAckFields},
    {"epoch-refusal", &make_body<EpochRefusal>, kEpochRefusalFields},
    {"stream", &make_body<StreamRequest>, kStreamRequestFields},
    {"stream-batch", &make_body<StreamBatch>, kStreamBatchFields},
    {"change", &make_body<ChangeRequest>, kChangeRequestFields},
};
static_assert(std::size(kMessageKinds) == std::variant_size_v<MessageBody>,
              "every MessageBody alternative needs a row in kMessageKinds");

}  // namespace

std::span<const FieldSpec<Message>> common_fields() { return kCommonFields; }
std::span<const MessageKind> message_kinds() { return kMessageKinds; }

const MessageKind* find_message_kind(std::string_view name) {
  for (const MessageKind& kind : kMessageKinds) {
    if (kind.name == name) return &kind;
  }
  return nullptr;
}

Status EntryField::read(JsonValue& value, Entry& out, const FieldName& name) {
  RINGKV_RETURN_IF_ERROR((ObjectField<Entry, kEntryFields>::read(value, out, name)));
  if (out.tombstone && !out.value.empty()) {
    return field_error({name.text() + ".", "value_b64"}, "must be empty for a tombstone");
  }
  return Status::ok_status();
}

void EntryField::write(const Entry& in, JsonWriter& json) {
  ObjectField<Entry, kEntryFields>::write(in, json);
}

Status EntryField::read_binary(Decoder& in, Entry& out, const FieldName& name) {
  RINGKV_RETURN_IF_ERROR((ObjectField<Entry, kEntryFields>::read_binary(in, out, name)));
  if (out.tombstone && !out.value.empty()) {
    return field_error({name.text() + ".", "value_b64"}, "must be empty for a tombstone");
  }
  return Status::ok_status();
}

void EntryField::write_binary(const Entry& in, std::string& out) {
  ObjectField<Entry, kEntryFields>::write_binary(in, out);
}

Status OptionalEntryField::read(JsonValue& value, std::optional<Entry>& out,
                                const FieldName& name) {
  simdjson::ondemand::json_type type;
  if (auto code = value.type().get(type)) return json_error(name, code);
  if (type == simdjson::ondemand::json_type::null) {
    bool is_null = false;
    if (value.is_null().get(is_null) || !is_null) return field_error(name, "is not a valid null");
    out.reset();
    return Status::ok_status();
  }
  out.emplace();
  return EntryField::read(value, *out, name);
}

void OptionalEntryField::write(const std::optional<Entry>& in, JsonWriter& json) {
  if (in) {
    EntryField::write(*in, json);
  } else {
    json.null();
  }
}

Status OptionalEntryField::read_binary(Decoder& in, std::optional<Entry>& out,
                                       const FieldName& name) {
  bool present = false;
  RINGKV_RETURN_IF_ERROR(BoolField::read_binary(in, present, name));
  if (!present) {
    out.reset();
    return Status::ok_status();
  }
  out.emplace();
  return EntryField::read_binary(in, *out, name);
}

void OptionalEntryField::write_binary(const std::optional<Entry>& in, std::string& out) {
  BoolField::write_binary(in.has_value(), out);
  if (in) EntryField::write_binary(*in, out);
}

}  // namespace ringkv::wire::codec_detail
