// Batches: several internal messages in one `POST /internal/batch` request, so a node
// writes one request (and reads one 204) per peer per loop iteration instead of one per
// message. Body = binary frames (docs/wire.md):
//   frame := kind_length:u8 kind:bytes payload_length:fixed32 payload
// where payload is encode_message_binary() of the message. Decoding is all or nothing: a
// bad frame fails the whole batch, naming the frame and the field.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "core/messages.h"
#include "core/status.h"
#include "core/wire/codec.h"
#include "core/wire/http_message.h"

namespace ringkv::wire {

// The path of a batch request: kInternalPathPrefix + kBatchKind. Frozen.
inline constexpr std::string_view kBatchKind = "batch";
// Frames per batch (frozen: a peer relies on it).
inline constexpr size_t kMaxBatchMessages = 1024;
inline constexpr std::string_view kBatchContentType = "application/octet-stream";

// Appends `message` as one frame to a batch body.
void append_batch_frame(const Message& message, std::string& body);

// Moves frames from the front of `frames` into `body` (empty on entry): at least one, at
// most kMaxBatchMessages, and no more than fit in `max_body_bytes` after the first (the
// receiver's internal body limit). Returns how many it moved. Used by both drivers.
size_t take_batch_body(std::deque<std::string>& frames, size_t max_body_bytes,
                       std::string& body);

// The whole request for a batch body: request line, `Host`, `extra_headers` (e.g. the
// cluster token), Content-Type, the protocol version, Content-Length, body.
std::string encode_batch_request_bytes(std::string_view body, std::string_view host,
                                       const HttpHeaders& extra_headers = {});

bool is_batch_path(std::string_view path);

// Checks method, path and protocol version like decode_message(), then every frame.
Result<std::vector<Message>> decode_batch(const HttpRequest& request);

}  // namespace ringkv::wire
