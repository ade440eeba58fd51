// Resolves a connection's column mapping against the two schemas (explicit pairs, then auto).
#include <cctype>
#include <set>

#include "ferry/error.h"
#include "ferry/sync_engine.h"

namespace ferry {

std::string normalizeColumnName(std::string_view name) {
    std::string normalized;
    normalized.reserve(name.size());
    for (const char c : name) {
        const auto u = static_cast<unsigned char>(c);
        // Non-ASCII bytes are kept so that "Straße" and "Strasse" stay distinct.
        if (u >= 0x80 || std::isalnum(u) != 0) {
            normalized.push_back(static_cast<char>(std::tolower(u)));
        }
    }
    return normalized;
}

namespace {

bool contains(const std::vector<std::string>& names, std::string_view name) {
    for (const auto& n : names) {
        if (normalizeColumnName(n) == normalizeColumnName(name)) {
            return true;
        }
    }
    return false;
}

// A column's display name against the other column's name or display name (normalized), when
// either side has a display name of its own.
bool sameDisplayName(const Column& a, const Column& b) {
    const auto shown = [](const Column& c) {
        return normalizeColumnName(c.displayName.empty() ? c.name : c.displayName);
    };
    const std::string aName = normalizeColumnName(a.name);
    const std::string bName = normalizeColumnName(b.name);
    const std::string aShown = shown(a);
    const std::string bShown = shown(b);
    if (aShown == aName && bShown == bName) {
        return false;  // no display names: the first pass has decided
    }
    return !aShown.empty() && (aShown == bShown || aShown == bName || aName == bShown);
}

std::string columnList(const Schema& schema) {
    std::string list;
    for (const auto& column : schema.columns) {
        list += (list.empty() ? "" : ", ") + column.name;
    }
    return list;
}

}  // namespace

std::vector<ResolvedPair> resolveMapping(const MappingConfig& mapping, const Schema& left,
                                         const Schema& right) {
    std::vector<ResolvedPair> pairs;
    std::set<std::size_t> usedLeft;
    std::set<std::size_t> usedRight;
    auto addPair = [&](std::size_t l, std::size_t r) {
        ResolvedPair pair;
        pair.leftIndex = l;
        pair.rightIndex = r;
        pair.leftName = left.columns[l].name;
        pair.rightName = right.columns[r].name;
        pair.writableLeft = !left.columns[l].readOnly;
        pair.writableRight = !right.columns[r].readOnly;
        pairs.push_back(std::move(pair));
        usedLeft.insert(l);
        usedRight.insert(r);
    };

    for (std::size_t i = 0; i < mapping.columns.size(); ++i) {
        const auto& explicitPair = mapping.columns[i];
        const auto l = left.indexOf(explicitPair.left);
        const auto r = right.indexOf(explicitPair.right);
        const std::string field = "mapping.columns[" + std::to_string(i) + "]";
        if (!l) {
            throw Error(ErrorCode::InvalidDocument,
                        "field '" + field + ".left': the left entity has no column '" +
                            explicitPair.left + "'",
                        {}, "Columns on the left: " + columnList(left));
        }
        if (!r) {
            throw Error(ErrorCode::InvalidDocument,
                        "field '" + field + ".right': the right entity has no column '" +
                            explicitPair.right + "'",
                        {}, "Columns on the right: " + columnList(right));
        }
        if (usedLeft.count(*l) != 0 || usedRight.count(*r) != 0) {
            throw Error(ErrorCode::InvalidDocument, "field '" + field + "': column '" +
                                                        explicitPair.left + "' or '" +
                                                        explicitPair.right + "' is already mapped");
        }
        addPair(*l, *r);
    }

    if (mapping.autoMap) {
        // Names first, so that a display name never takes a column another column is named for.
        for (const bool byDisplayName : {false, true}) {
            for (std::size_t l = 0; l < left.columns.size(); ++l) {
                if (usedLeft.count(l) != 0 || contains(mapping.excludeLeft, left.columns[l].name)) {
                    continue;
                }
                const auto& leftColumn = left.columns[l];
                for (std::size_t r = 0; r < right.columns.size(); ++r) {
                    if (usedRight.count(r) != 0 ||
                        contains(mapping.excludeRight, right.columns[r].name)) {
                        continue;
                    }
                    const auto& rightColumn = right.columns[r];
                    const bool match = byDisplayName ? sameDisplayName(leftColumn, rightColumn)
                                                     : normalizeColumnName(leftColumn.name) ==
                                                           normalizeColumnName(rightColumn.name);
                    if (match) {
                        addPair(l, r);
                        break;
                    }
                }
            }
        }
    }
    return pairs;
}

std::vector<Column> columnsForNewEntity(const MappingConfig& mapping, const Schema& source,
                                        Side sourceSide) {
    const bool sourceIsLeft = sourceSide == Side::Left;
    std::vector<Column> columns;
    std::set<std::size_t> used;
    for (std::size_t i = 0; i < mapping.columns.size(); ++i) {
        const auto& pair = mapping.columns[i];
        const std::string& from = sourceIsLeft ? pair.left : pair.right;
        const auto index = source.indexOf(from);
        if (!index) {
            throw Error(ErrorCode::InvalidDocument,
                        "field 'mapping.columns[" + std::to_string(i) + "]." +
                            (sourceIsLeft ? "left" : "right") + "': the " +
                            (sourceIsLeft ? "left" : "right") + " entity has no column '" + from +
                            "'",
                        {}, "Columns: " + columnList(source));
        }
        Column column = source.columns[*index];
        column.name = sourceIsLeft ? pair.right : pair.left;
        column.displayName = column.name;
        columns.push_back(std::move(column));
        used.insert(*index);
    }
    if (mapping.autoMap) {
        const auto& excluded = sourceIsLeft ? mapping.excludeLeft : mapping.excludeRight;
        for (std::size_t i = 0; i < source.columns.size(); ++i) {
            if (used.count(i) == 0 && !contains(excluded, source.columns[i].name)) {
                columns.push_back(source.columns[i]);
            }
        }
    }
    return columns;
}

}  // namespace ferry
