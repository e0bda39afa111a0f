// RapidCheck generators for the wire tests: binary byte strings, valid node ids and
// versions, entries, member rows and every Message kind.
#pragma once

#include <rapidcheck.h>

#include <string>

#include "core/messages.h"

namespace ringkv::wire::testing {

// Any bytes (NUL and high bytes included), possibly empty.
inline rc::Gen<std::string> binary_string() {
  return rc::gen::container<std::string>(rc::gen::cast<char>(rc::gen::inRange<int>(0, 256)));
}

inline rc::Gen<std::string> node_id() {
  static const std::string kChars =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
  return rc::gen::map(
      rc::gen::nonEmpty(rc::gen::container<std::string>(rc::gen::elementOf(kChars))),
      [](std::string id) { return id.substr(0, kMaxNodeIdBytes); });
}

// Lamport counters, incarnations, heartbeats: the wire refuses anything above 2^62
// (RefusesCountersAboveTwoToThe62 covers that side).
inline rc::Gen<uint64_t> counter() {
  return rc::gen::oneOf(rc::gen::inRange<uint64_t>(0, 1000),
                        rc::gen::inRange<uint64_t>(0, kMaxVersionCounter + 1));
}

inline rc::Gen<Version> version() {
  return rc::gen::oneOf(rc::gen::just(Version{}),
                        rc::gen::build<Version>(rc::gen::set(&Version::counter, counter()),
                                                rc::gen::set(&Version::node_id, node_id())));
}

inline rc::Gen<Entry> entry() {
  return rc::gen::map(rc::gen::tuple(version(), rc::gen::arbitrary<bool>(), binary_string()),
                      [](std::tuple<Version, bool, std::string> parts) {
                        auto& [entry_version, tombstone, value] = parts;
                        return Entry{entry_version, tombstone, tombstone ? std::string() : value};
                      });
}

inline rc::Gen<std::string> address() {
  return rc::gen::map(rc::gen::pair(rc::gen::nonEmpty(rc::gen::container<std::string>(
                                        rc::gen::inRange('a', static_cast<char>('z' + 1)))),
                                    rc::gen::inRange<int>(1, 65536)),
                      [](std::pair<std::string, int> parts) {
                        return parts.first.substr(0, 200) + ":" + std::to_string(parts.second);
                      });
}

inline rc::Gen<MemberRow> member_row() {
  return rc::gen::build<MemberRow>(
      rc::gen::set(&MemberRow::node_id, node_id()), rc::gen::set(&MemberRow::address, address()),
      rc::gen::set(&MemberRow::incarnation, counter()),
      rc::gen::set(&MemberRow::heartbeat, counter()),
      rc::gen::set(
          &MemberRow::status,
          rc::gen::element(MemberStatus::kAlive, MemberStatus::kSuspect, MemberStatus::kDown)));
}

inline rc::Gen<KeyedEntry> keyed_entry() {
  return rc::gen::build<KeyedEntry>(rc::gen::set(&KeyedEntry::key, binary_string()),
                                    rc::gen::set(&KeyedEntry::entry, entry()));
}

// Ring descriptions as the wire carries them: not necessarily valid configurations
// (RingConfig::make checks those), but every field within its wire bounds.
inline rc::Gen<RingDescription> ring_description() {
  return rc::gen::build<RingDescription>(
      rc::gen::set(&RingDescription::epoch, counter()),
      rc::gen::set(&RingDescription::stage,
                   rc::gen::element(ChangeStage::kNone, ChangeStage::kJoint,
                                    ChangeStage::kStreaming, ChangeStage::kReadsSwitched)),
      rc::gen::set(&RingDescription::owner,
                   rc::gen::oneOf(rc::gen::just(std::string()), node_id())),
      rc::gen::set(&RingDescription::vnodes_per_node),
      rc::gen::set(&RingDescription::members,
                   rc::gen::container<std::vector<RingMember>>(rc::gen::build<RingMember>(
                       rc::gen::set(&RingMember::id, node_id()),
                       rc::gen::set(&RingMember::address, address()),
                       rc::gen::set(&RingMember::state,
                                    rc::gen::element(MemberState::kNormal, MemberState::kJoining,
                                                     MemberState::kLeaving, MemberState::kRemoved,
                                                     MemberState::kLeft))))));
}

// The membership-change kinds (docs/membership.md).
inline rc::Gen<MessageBody> membership_body() {
  return rc::gen::oneOf(
      rc::gen::cast<MessageBody>(rc::gen::build<RingState>(
          rc::gen::set(&RingState::ring, ring_description()), rc::gen::set(&RingState::request))),
      rc::gen::cast<MessageBody>(rc::gen::build<RingAck>(
          rc::gen::set(&RingAck::epoch, counter()), rc::gen::set(&RingAck::digest),
          rc::gen::set(&RingAck::streamed))),
      rc::gen::cast<MessageBody>(rc::gen::build<EpochRefusal>(
          rc::gen::set(&EpochRefusal::op), rc::gen::set(&EpochRefusal::epoch, counter()))),
      rc::gen::cast<MessageBody>(rc::gen::build<StreamRequest>(
          rc::gen::set(&StreamRequest::epoch, counter()),
          rc::gen::set(&StreamRequest::cursor, binary_string()),
          rc::gen::set(&StreamRequest::from_start), rc::gen::set(&StreamRequest::max_bytes))),
      rc::gen::cast<MessageBody>(rc::gen::build<StreamBatch>(
          rc::gen::set(&StreamBatch::epoch, counter()),
          rc::gen::set(&StreamBatch::entries,
                       rc::gen::container<std::vector<KeyedEntry>>(keyed_entry())),
          rc::gen::set(&StreamBatch::next_cursor, binary_string()),
          rc::gen::set(&StreamBatch::done))),
      rc::gen::cast<MessageBody>(rc::gen::build<ChangeRequest>(
          rc::gen::set(&ChangeRequest::kind,
                       rc::gen::element(ChangeKind::kJoin, ChangeKind::kDecommission,
                                        ChangeKind::kRemove)),
          rc::gen::set(&ChangeRequest::node_id, node_id()),
          rc::gen::set(&ChangeRequest::address, address()))));
}

inline rc::Gen<MessageBody> message_body() {
  return rc::gen::oneOf(
      rc::gen::cast<MessageBody>(rc::gen::build<ReplicaWrite>(
          rc::gen::set(&ReplicaWrite::op), rc::gen::set(&ReplicaWrite::key, binary_string()),
          rc::gen::set(&ReplicaWrite::entry, entry()), rc::gen::set(&ReplicaWrite::fresh))),
      rc::gen::cast<MessageBody>(rc::gen::build<ReplicaWriteAck>(
          rc::gen::set(&ReplicaWriteAck::op), rc::gen::set(&ReplicaWriteAck::accepted),
          rc::gen::set(&ReplicaWriteAck::current, version()),
          rc::gen::set(&ReplicaWriteAck::superseded),
          rc::gen::set(&ReplicaWriteAck::held,
                       rc::gen::oneOf(rc::gen::just(std::optional<Entry>()),
                                      rc::gen::cast<std::optional<Entry>>(entry()))))),
      rc::gen::cast<MessageBody>(rc::gen::build<ReplicaRead>(
          rc::gen::set(&ReplicaRead::op), rc::gen::set(&ReplicaRead::key, binary_string()))),
      rc::gen::cast<MessageBody>(rc::gen::build<ReplicaReadReply>(
          rc::gen::set(&ReplicaReadReply::op), rc::gen::set(&ReplicaReadReply::ok),
          rc::gen::set(&ReplicaReadReply::entry,
                       rc::gen::oneOf(rc::gen::just(std::optional<Entry>()),
                                      rc::gen::cast<std::optional<Entry>>(entry()))))),
      rc::gen::cast<MessageBody>(rc::gen::build<Gossip>(
          rc::gen::set(&Gossip::rows, rc::gen::container<std::vector<MemberRow>>(member_row())),
          rc::gen::set(&Gossip::reply))),
      rc::gen::cast<MessageBody>(rc::gen::build<MerkleQuery>(
          rc::gen::set(&MerkleQuery::session), rc::gen::set(&MerkleQuery::level),
          rc::gen::set(&MerkleQuery::indices))),
      rc::gen::cast<MessageBody>(rc::gen::build<MerkleHashes>(
          rc::gen::set(&MerkleHashes::session), rc::gen::set(&MerkleHashes::level),
          rc::gen::set(&MerkleHashes::indices), rc::gen::set(&MerkleHashes::hashes))),
      rc::gen::cast<MessageBody>(rc::gen::build<SyncEntries>(
          rc::gen::set(&SyncEntries::session), rc::gen::set(&SyncEntries::leaves),
          rc::gen::set(&SyncEntries::entries,
                       rc::gen::container<std::vector<KeyedEntry>>(keyed_entry())),
          rc::gen::set(&SyncEntries::reply))),
      rc::gen::cast<MessageBody>(rc::gen::build<VersionQuery>(
          rc::gen::set(&VersionQuery::op), rc::gen::set(&VersionQuery::key, binary_string()))),
      rc::gen::cast<MessageBody>(rc::gen::build<VersionQueryReply>(
          rc::gen::set(&VersionQueryReply::op), rc::gen::set(&VersionQueryReply::ok),
          rc::gen::set(&VersionQueryReply::version, version()))),
      membership_body());
}

inline rc::Gen<Message> message() {
  return rc::gen::build<Message>(rc::gen::set(&Message::from, node_id()),
                                 rc::gen::set(&Message::lamport, counter()),
                                 rc::gen::set(&Message::body, message_body()),
                                 rc::gen::set(&Message::epoch, counter()));
}

}  // namespace ringkv::wire::testing

namespace rc {
template <>
struct Arbitrary<ringkv::Message> {
  static Gen<ringkv::Message> arbitrary() { return ringkv::wire::testing::message(); }
};
}  // namespace rc
