// Base64 (RFC 4648 section 4): standard alphabet, '=' padding. Decoding is strict: it
// accepts exactly what encoding produces (no whitespace, no missing padding, zero bits
// after the last byte), so every byte string has one wire form.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace ringkv::wire {

std::string base64_encode(std::string_view bytes);
Result<std::string> base64_decode(std::string_view text);

// Encoded size of `byte_count` bytes.
constexpr size_t base64_encoded_bytes(size_t byte_count) { return (byte_count + 2) / 3 * 4; }

}  // namespace ringkv::wire
