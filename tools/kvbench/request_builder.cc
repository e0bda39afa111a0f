#include "tools/kvbench/request_builder.h"

#include <cstdio>
#include <cstring>

#include "core/assert.h"
#include "core/prng.h"
#include "core/wire/base64.h"
#include "core/wire/http_writer.h"

namespace ringkv::tools {
namespace {

constexpr std::string_view kKeyPrefix = "kvbench-";
constexpr int kKeyDigits = 10;  // kMaxBenchKeys < 10^10

// The key as it appears on the wire: raw in a ringkv path (only unreserved characters),
// base64 inside an etcd JSON body.
std::string wire_key(BenchTarget target, uint64_t key_index) {
  std::string key = bench_key(key_index);
  return target == BenchTarget::kEtcd ? wire::base64_encode(key) : key;
}

}  // namespace

std::string bench_key(uint64_t key_index) {
  RINGKV_ASSERT(key_index < kMaxBenchKeys);
  char digits[kKeyDigits + 1];
  std::snprintf(digits, sizeof digits, "%0*llu", kKeyDigits,
                static_cast<unsigned long long>(key_index));
  return std::string(kKeyPrefix) + digits;
}

std::string bench_value(uint64_t seed, uint32_t value_bytes) {
  Prng prng(seed ^ 0x76616c7565ULL);  // a stream apart from the key choice's
  std::string value(value_bytes, 'a');
  for (char& byte : value) byte = static_cast<char>('a' + prng.uniform(26));
  return value;
}

RequestBuilder::Template RequestBuilder::make_template(std::string bytes,
                                                       std::string_view key_text) {
  Template result;
  result.bytes = std::move(bytes);
  if (key_text.empty()) return result;
  // The key comes before anything that could repeat it: in the request line (ringkv) or
  // as the first member of the body (etcd; headers hold no base64 of it).
  result.key_offset = result.bytes.find(key_text);
  RINGKV_ASSERT_MSG(result.key_offset != std::string::npos, "key missing from its template");
  result.key_bytes = key_text.size();
  return result;
}

RequestBuilder::RequestBuilder(BenchTarget target, std::string_view host_header,
                               std::string_view value)
    : target_(target) {
  const std::string placeholder = wire_key(target, 0);
  switch (target) {
    case BenchTarget::kRingkv: {
      const std::string path = "/kv/" + placeholder;
      put_ = make_template(
          wire::serialize(wire::make_request("PUT", path, host_header, std::string(value))),
          placeholder);
      get_ =
          make_template(wire::serialize(wire::make_request("GET", path, host_header)), placeholder);
      break;
    }
    case BenchTarget::kEtcd: {
      const std::string put_body =
          "{\"key\":\"" + placeholder + "\",\"value\":\"" + wire::base64_encode(value) + "\"}";
      const std::string range_body = "{\"key\":\"" + placeholder + "\"}";
      put_ = make_template(wire::serialize(wire::make_request("POST", "/v3/kv/put", host_header,
                                                              put_body, "application/json")),
                           placeholder);
      get_ = make_template(wire::serialize(wire::make_request("POST", "/v3/kv/range", host_header,
                                                              range_body, "application/json")),
                           placeholder);
      break;
    }
    case BenchTarget::kFixed:
      put_ = make_template(wire::serialize(wire::make_request("GET", "/", host_header)), {});
      get_ = put_;
      break;
  }
}

void RequestBuilder::append(BenchOperation operation, uint64_t key_index, std::string& out) const {
  const Template& chosen = operation == BenchOperation::kPut ? put_ : get_;
  const size_t start = out.size();
  out.append(chosen.bytes);
  if (chosen.key_bytes == 0) return;
  const std::string key = wire_key(target_, key_index);
  RINGKV_ASSERT(key.size() == chosen.key_bytes);
  std::memcpy(out.data() + start + chosen.key_offset, key.data(), key.size());
}

}  // namespace ringkv::tools
