#include "core/wire/http_limits.h"

#include "core/wire/base64.h"
#include "core/wire/codec.h"

namespace ringkv::wire {

HttpLimits internal_http_limits(size_t max_value_bytes) {
  constexpr size_t kFramingBytes = 64 * 1024;  // JSON members, version, node ids
  HttpLimits limits;
  limits.max_body_bytes = base64_encoded_bytes(max_value_bytes) +
                          base64_encoded_bytes(kMaxWireKeyBytes) + kFramingBytes;
  return limits;
}

}  // namespace ringkv::wire
