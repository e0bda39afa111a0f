#include "tools/kvctl/server_error.h"

#include <cjson/cJSON.h>

#include <memory>

#include "core/wire/http_writer.h"

namespace ringkv::tools {
namespace {

constexpr size_t kMaxQuotedBodyBytes = 200;

// The body itself when it is short printable text, else "".
std::string printable_excerpt(const std::string& body) {
  std::string excerpt;
  for (char byte : body) {
    if (excerpt.size() >= kMaxQuotedBodyBytes) return excerpt + "...";
    if (byte == '\n' || byte == '\r' || byte == '\t') byte = ' ';
    if (static_cast<unsigned char>(byte) < 0x20 || byte == 0x7f) return "";
    excerpt += byte;
  }
  while (!excerpt.empty() && excerpt.back() == ' ') excerpt.pop_back();
  return excerpt;
}

std::string number_text(const cJSON* value) {
  return std::to_string(static_cast<long long>(value->valuedouble));
}

// "quorum not reached (acks 1, required 2)" from the JSON error body, or "".
std::string json_error_text(const std::string& body) {
  std::unique_ptr<cJSON, decltype(&cJSON_Delete)> document(
      cJSON_ParseWithLength(body.data(), body.size()), &cJSON_Delete);
  if (document == nullptr) return "";
  const cJSON* error = cJSON_GetObjectItemCaseSensitive(document.get(), "error");
  if (!cJSON_IsString(error)) return "";
  std::string text = error->valuestring;
  const cJSON* acks = cJSON_GetObjectItemCaseSensitive(document.get(), "acks");
  const cJSON* required = cJSON_GetObjectItemCaseSensitive(document.get(), "required");
  if (cJSON_IsNumber(acks) && cJSON_IsNumber(required)) {
    text += " (acks " + number_text(acks) + ", required " + number_text(required) + ")";
  }
  const cJSON* version = cJSON_GetObjectItemCaseSensitive(document.get(), "version");
  if (cJSON_IsString(version)) {
    text += "; the write may still take effect, at version " + std::string(version->valuestring);
  }
  return text;
}

}  // namespace

std::string describe_error_response(const wire::HttpResponse& response) {
  std::string line = std::to_string(response.status) + " ";
  line += response.reason.empty() ? wire::reason_phrase(response.status) : response.reason;
  std::string detail = json_error_text(response.body);
  if (detail.empty()) detail = printable_excerpt(response.body);
  if (!detail.empty()) line += ": " + detail;
  return line;
}

}  // namespace ringkv::tools
