// Outbox: how a part of the node (HintedHandoff, AntiEntropy) sends messages. Node
// implements it and hands it to each part it owns; a part keeps the reference for its
// lifetime. Everything sent carries the node's id and current Lamport time.
#pragma once

#include <cstdint>

#include "core/messages.h"

namespace ringkv {

class Outbox {
 public:
  // A new op id, unique across the node's restarts, that names a request and its answers.
  virtual uint64_t new_op() = 0;
  // Out with this batch of inputs (to the node itself: handled before the input returns).
  virtual void send(const NodeId& to, MessageBody body) = 0;
  // Out only after the next commit() has synced the store: the body describes durable state.
  virtual void hold(const NodeId& to, MessageBody body) = 0;

 protected:
  ~Outbox() = default;
};

}  // namespace ringkv
