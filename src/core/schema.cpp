// Column lookup on a Schema: exact name first, then ASCII case-insensitive.
#include "ferry/schema.h"

#include "ferry/connection_string.h"

namespace ferry {

std::optional<std::size_t> Schema::indexOf(std::string_view name) const {
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (columns[i].name == name) {
            return i;
        }
    }
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (equalsIgnoreCase(columns[i].name, name)) {
            return i;
        }
    }
    return std::nullopt;
}

const Column* Schema::find(std::string_view name) const {
    const auto index = indexOf(name);
    return index ? &columns[*index] : nullptr;
}

std::vector<std::string> Schema::keyColumns() const {
    std::vector<std::string> keys;
    for (const auto& column : columns) {
        if (column.key) {
            keys.push_back(column.name);
        }
    }
    return keys;
}

}  // namespace ferry
