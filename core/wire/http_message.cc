#include "core/wire/http_message.h"

namespace ringkv::wire {

namespace {
char lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
}  // namespace

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower_ascii(a[i]) != lower_ascii(b[i])) return false;
  }
  return true;
}

const std::string* find_header(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [header_name, value] : headers) {
    if (equals_ignoring_case(header_name, name)) return &value;
  }
  return nullptr;
}

void split_target(std::string_view target, std::string& path, std::string& query) {
  size_t question = target.find('?');
  if (question == std::string_view::npos) {
    path.assign(target);
    query.clear();
    return;
  }
  path.assign(target.substr(0, question));
  query.assign(target.substr(question + 1));
}

}  // namespace ringkv::wire
