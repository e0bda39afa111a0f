#include "core/wire/json_writer.h"

#include "core/assert.h"

namespace ringkv::wire {

namespace {

// Length of the well-formed UTF-8 sequence at text[i], or 0 when it is malformed.
size_t utf8_sequence_bytes(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // no overlongs
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // no overlongs
    if (lead == 0xF4) high = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

void append_escaped_ascii(char c, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '"':
      out.append("\\\"");
      return;
    case '\\':
      out.append("\\\\");
      return;
    case '\n':
      out.append("\\n");
      return;
    case '\r':
      out.append("\\r");
      return;
    case '\t':
      out.append("\\t");
      return;
    default:
      break;
  }
  auto code = static_cast<unsigned char>(c);
  if (code < 0x20 || code == 0x7F) {
    out.append("\\u00").push_back(kHex[code >> 4]);
    out.push_back(kHex[code & 0xF]);
    return;
  }
  out.push_back(c);
}

// Printable ASCII that JSON takes as it is: the common case (base64, ids, numbers).
bool plain_ascii(char c) { return c >= 0x20 && c < 0x7F && c != '"' && c != '\\'; }

void append_quoted(std::string_view text, std::string& out) {
  out.push_back('"');
  size_t i = 0;
  while (i < text.size()) {
    size_t run = i;
    while (run < text.size() && plain_ascii(text[run])) ++run;
    if (run > i) {  // copied in one piece
      out.append(text.substr(i, run - i));
      i = run;
      continue;
    }
    size_t length = utf8_sequence_bytes(text, i);
    if (length == 0) {
      out.append("\\ufffd");
      ++i;
    } else if (length == 1) {
      append_escaped_ascii(text[i], out);
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  out.push_back('"');
}

}  // namespace

bool valid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    size_t length = utf8_sequence_bytes(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

std::string json_quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  append_quoted(text, out);
  return out;
}

void JsonWriter::before_value() {
  if (scopes_.empty()) {
    RINGKV_ASSERT_MSG(out_.empty(), "JsonWriter: a second top-level value");
    return;
  }
  if (scopes_.back() == Scope::kObject) {
    RINGKV_ASSERT_MSG(after_key_, "JsonWriter: object member without key()");
    after_key_ = false;
    return;
  }
  if (!first_in_scope_) out_.push_back(',');
  first_in_scope_ = false;
}

JsonWriter& JsonWriter::begin_object() {
  before_value();
  out_.push_back('{');
  scopes_.push_back(Scope::kObject);
  first_in_scope_ = true;
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  RINGKV_ASSERT(!scopes_.empty() && scopes_.back() == Scope::kObject && !after_key_);
  scopes_.pop_back();
  out_.push_back('}');
  first_in_scope_ = false;
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_.push_back('[');
  scopes_.push_back(Scope::kArray);
  first_in_scope_ = true;
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  RINGKV_ASSERT(!scopes_.empty() && scopes_.back() == Scope::kArray);
  scopes_.pop_back();
  out_.push_back(']');
  first_in_scope_ = false;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  RINGKV_ASSERT_MSG(!scopes_.empty() && scopes_.back() == Scope::kObject && !after_key_,
                    "JsonWriter: key() outside an object");
  if (!first_in_scope_) out_.push_back(',');
  first_in_scope_ = false;
  append_quoted(name, out_);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view text) {
  before_value();
  append_quoted(text, out_);
  return *this;
}

JsonWriter& JsonWriter::number(uint64_t value) {
  before_value();
  out_.append(std::to_string(value));
  return *this;
}

JsonWriter& JsonWriter::boolean(bool value) {
  before_value();
  out_.append(value ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_.append("null");
  return *this;
}

std::string JsonWriter::take() {
  RINGKV_ASSERT_MSG(scopes_.empty() && !out_.empty(), "JsonWriter: unfinished document");
  std::string result = std::move(out_);
  out_.clear();
  first_in_scope_ = true;
  return result;
}

}  // namespace ringkv::wire
