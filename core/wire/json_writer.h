// JsonWriter: a small streaming JSON writer (ringkv's own, not cJSON) that always produces
// valid UTF-8 JSON: control characters become \u00XX and bytes that are not valid UTF-8
// become U+FFFD (so binary data must be base64-encoded by the caller to survive).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ringkv::wire {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // Inside an object: the next member's name; a value call must follow.
  JsonWriter& key(std::string_view name);
  JsonWriter& string(std::string_view text);
  JsonWriter& number(uint64_t value);
  JsonWriter& boolean(bool value);
  JsonWriter& null();

  // The finished document; every object and array must be closed (asserted).
  std::string take();

 private:
  enum class Scope : uint8_t { kObject, kArray };
  void before_value();

  std::string out_;
  std::vector<Scope> scopes_;
  bool first_in_scope_ = true;
  bool after_key_ = false;
};

// `text` as a JSON string literal, quotes included, escaped as described above.
std::string json_quote(std::string_view text);

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
bool valid_utf8(std::string_view text);

}  // namespace ringkv::wire
