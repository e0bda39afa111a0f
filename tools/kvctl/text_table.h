// TextTable: rows of text cells printed as left-aligned columns separated by two spaces,
// the header first. Pure formatting; cells should be printable single-line text.
#pragma once

#include <string>
#include <vector>

namespace ringkv::tools {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header);

  // A row with fewer cells than the header is padded with empty cells; extra cells are
  // a programmer error (asserted).
  void add_row(std::vector<std::string> cells);
  size_t row_count() const { return rows_.size(); }

  // Every line ends with '\n'; trailing spaces are trimmed.
  std::string render() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace ringkv::tools
