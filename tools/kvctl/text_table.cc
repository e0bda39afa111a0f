#include "tools/kvctl/text_table.h"

#include <algorithm>
#include <utility>

#include "core/assert.h"

namespace ringkv::tools {
namespace {

void append_line(const std::vector<std::string>& cells, const std::vector<size_t>& widths,
                 std::string& out) {
  std::string line;
  for (size_t column = 0; column < cells.size(); ++column) {
    line += cells[column];
    if (column + 1 < cells.size()) line.append(widths[column] - cells[column].size() + 2, ' ');
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  out += line;
  out += '\n';
}

}  // namespace

TextTable::TextTable(std::vector<std::string> header) : header_(std::move(header)) {}

void TextTable::add_row(std::vector<std::string> cells) {
  RINGKV_ASSERT(cells.size() <= header_.size());
  cells.resize(header_.size());
  rows_.push_back(std::move(cells));
}

std::string TextTable::render() const {
  std::vector<size_t> widths(header_.size(), 0);
  for (size_t column = 0; column < header_.size(); ++column) {
    widths[column] = header_[column].size();
    for (const auto& row : rows_) widths[column] = std::max(widths[column], row[column].size());
  }
  std::string out;
  append_line(header_, widths, out);
  for (const auto& row : rows_) append_line(row, widths, out);
  return out;
}

}  // namespace ringkv::tools
