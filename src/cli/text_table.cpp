// Plain-text table output with UTF-8 aware alignment and truncation.
#include "text_table.h"

#include <algorithm>
#include <cstdint>

namespace ferry::cli {

namespace {

constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // "…"

// Decodes one UTF-8 sequence at `pos`; returns its length (1 for a malformed byte) and sets
// `codePoint` (U+FFFD for malformed input).
std::size_t decode(std::string_view text, std::size_t pos, std::uint32_t& codePoint) {
    const auto lead = static_cast<unsigned char>(text[pos]);
    std::size_t length = 1;
    if (lead < 0x80) {
        codePoint = lead;
        return 1;
    }
    if ((lead & 0xE0U) == 0xC0U) {
        length = 2;
        codePoint = lead & 0x1FU;
    } else if ((lead & 0xF0U) == 0xE0U) {
        length = 3;
        codePoint = lead & 0x0FU;
    } else if ((lead & 0xF8U) == 0xF0U) {
        length = 4;
        codePoint = lead & 0x07U;
    } else {
        codePoint = 0xFFFD;
        return 1;
    }
    if (pos + length > text.size()) {
        codePoint = 0xFFFD;
        return 1;
    }
    for (std::size_t i = 1; i < length; ++i) {
        const auto next = static_cast<unsigned char>(text[pos + i]);
        if ((next & 0xC0U) != 0x80U) {
            codePoint = 0xFFFD;
            return 1;
        }
        codePoint = (codePoint << 6U) | (next & 0x3FU);
    }
    return length;
}

std::size_t codePointWidth(std::uint32_t cp) {
    const bool combining = (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
                           (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0xFE20 && cp <= 0xFE2F) ||
                           cp == 0x200B || cp == 0x200D || (cp >= 0xFE00 && cp <= 0xFE0F);
    if (combining) {
        return 0;
    }
    const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
                      (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD);
    return wide ? 2 : 1;
}

}  // namespace

std::size_t displayWidth(std::string_view text) {
    std::size_t width = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        std::uint32_t cp = 0;
        pos += decode(text, pos, cp);
        width += codePointWidth(cp);
    }
    return width;
}

std::string singleLine(std::string_view text) {
    std::string result;
    result.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '\n':
                result += "\\n";
                break;
            case '\r':
                result += "\\r";
                break;
            case '\t':
                result += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
                    result += '?';
                } else {
                    result += c;
                }
        }
    }
    return result;
}

std::string truncateToWidth(std::string_view text, std::size_t width) {
    if (displayWidth(text) <= width) {
        return std::string(text);
    }
    if (width == 0) {
        return {};
    }
    // Keep whole characters up to width - 1 columns, then the ellipsis (1 column).
    std::string result;
    std::size_t used = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        std::uint32_t cp = 0;
        const std::size_t length = decode(text, pos, cp);
        const std::size_t w = codePointWidth(cp);
        if (used + w > width - 1) {
            break;
        }
        result.append(text.substr(pos, length));
        used += w;
        pos += length;
    }
    result += kEllipsis;
    return result;
}

TextTable::TextTable(std::vector<std::string> headers, std::size_t maxCellWidth)
    : m_headers(std::move(headers)),
      m_align(m_headers.size(), Align::Left),
      m_maxCellWidth(std::max<std::size_t>(maxCellWidth, 2)) {}

void TextTable::setAlign(std::size_t column, Align align) {
    if (column < m_align.size()) {
        m_align[column] = align;
    }
}

void TextTable::addRow(std::vector<std::string> cells) {
    cells.resize(m_headers.size());
    for (auto& cell : cells) {
        cell = truncateToWidth(singleLine(cell), m_maxCellWidth);
    }
    m_rows.push_back(std::move(cells));
}

void TextTable::print(std::ostream& out) const {
    const std::size_t columnCount = m_headers.size();
    std::vector<std::string> headers;
    std::vector<std::size_t> widths(columnCount, 0);
    for (std::size_t c = 0; c < columnCount; ++c) {
        headers.push_back(truncateToWidth(singleLine(m_headers[c]), m_maxCellWidth));
        widths[c] = displayWidth(headers[c]);
    }
    for (const auto& row : m_rows) {
        for (std::size_t c = 0; c < columnCount; ++c) {
            widths[c] = std::max(widths[c], displayWidth(row[c]));
        }
    }

    auto printLine = [&](const std::vector<std::string>& cells) {
        std::string line;
        for (std::size_t c = 0; c < columnCount; ++c) {
            const std::size_t padding = widths[c] - displayWidth(cells[c]);
            if (c > 0) {
                line += "  ";
            }
            if (m_align[c] == Align::Right) {
                line.append(padding, ' ');
                line += cells[c];
            } else {
                line += cells[c];
                line.append(padding, ' ');
            }
        }
        line.erase(line.find_last_not_of(' ') + 1);
        out << line << '\n';
    };

    printLine(headers);
    std::vector<std::string> rule;
    for (std::size_t c = 0; c < columnCount; ++c) {
        rule.emplace_back(widths[c], '-');
    }
    printLine(rule);
    for (const auto& row : m_rows) {
        printLine(row);
    }
}

}  // namespace ferry::cli
