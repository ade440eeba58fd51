// Plain-text tables for the terminal: column headers, aligned cells, long cells truncated.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::cli {

enum class Align { Left, Right };

class TextTable {
public:
    // `maxCellWidth` caps every column (in terminal columns); longer cells end with "…".
    explicit TextTable(std::vector<std::string> headers, std::size_t maxCellWidth = 32);

    void setAlign(std::size_t column, Align align);
    // A row with fewer cells than headers is padded with empty cells; extra cells are dropped.
    void addRow(std::vector<std::string> cells);
    std::size_t rowCount() const { return m_rows.size(); }

    // Header line, a rule of dashes, then the rows; columns separated by two spaces, trailing
    // blanks trimmed.
    void print(std::ostream& out) const;

private:
    std::vector<std::string> m_headers;
    std::vector<Align> m_align;
    std::vector<std::vector<std::string>> m_rows;
    std::size_t m_maxCellWidth;
};

// Number of terminal columns `text` (UTF-8) takes: combining marks 0, East Asian wide and emoji
// 2, everything else 1; malformed bytes count 1 each.
std::size_t displayWidth(std::string_view text);

// Makes a value printable on one line: control characters become visible escapes ("\n", "\t").
std::string singleLine(std::string_view text);

// Cuts `text` to at most `width` terminal columns, ending with "…" when it was cut.
std::string truncateToWidth(std::string_view text, std::size_t width);

}  // namespace ferry::cli
