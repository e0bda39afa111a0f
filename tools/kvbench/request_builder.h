// RequestBuilder: the bytes of one benchmark request, built from templates serialized once
// at start-up (core/wire/http_writer) so that a request costs a copy plus a patch of the
// key. One builder per host (the Host header differs). Pure: no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tools/kvbench/kvbench_options.h"

namespace ringkv::tools {

enum class BenchOperation : uint8_t { kPut, kGet };

// "kvbench-0000000042": fixed width, so every key has the same wire size.
std::string bench_key(uint64_t key_index);
// `value_bytes` printable bytes drawn from `seed` (the value of every PUT).
std::string bench_value(uint64_t seed, uint32_t value_bytes);

class RequestBuilder {
 public:
  // ringkv: PUT /kv/{key} (raw value), GET /kv/{key}.
  // etcd:   POST /v3/kv/put {"key":b64,"value":b64}, POST /v3/kv/range {"key":b64}.
  // fixed:  GET / for both operations.
  RequestBuilder(BenchTarget target, std::string_view host_header, std::string_view value);

  // Appends one request for `operation` on key `key_index` to `out`.
  void append(BenchOperation operation, uint64_t key_index, std::string& out) const;

 private:
  struct Template {
    std::string bytes;
    size_t key_offset = 0;  // where the key (ringkv) or its base64 (etcd) starts
    size_t key_bytes = 0;   // 0: the request does not name a key
  };
  static Template make_template(std::string bytes, std::string_view key_text);

  BenchTarget target_;
  Template put_;
  Template get_;
};

}  // namespace ringkv::tools
