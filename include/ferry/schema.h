// An entity's columns as a provider describes them, and the records it reads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/value.h"

namespace ferry {

struct Column {
    std::string name;         // the name used in statements and mappings
    std::string displayName;  // what a user sees (may equal name)
    ValueType type = ValueType::String;
    bool key = false;       // part of the primary key
    bool readOnly = false;  // cannot be written on this side (identity, computed, system)
    bool nullable = true;
    std::int64_t length = 0;  // maximum characters or bytes; 0 when unknown or unlimited
    int precision = 0;
    int scale = 0;
    std::string nativeType;  // the source system's type name, for help text
    // Allowed values when the source declares a closed set (option-set labels, SharePoint
    // choices); empty when free or unknown. Used when creating a target column.
    std::vector<std::string> choices;
};

struct Schema {
    std::vector<Column> columns;

    // Index of the column with this name (exact match first, then case-insensitive), or nullopt.
    std::optional<std::size_t> indexOf(std::string_view name) const;
    const Column* find(std::string_view name) const;
    std::vector<std::string> keyColumns() const;
};

// A record's values, aligned with the columns of the Schema that the read produced.
struct Record {
    std::vector<Value> values;
    // The WriteItem::origin this record was inserted with, when the provider keeps origins
    // (ProviderCapabilities::recordsOrigin) and Ferry created the record; empty otherwise.
    std::string origin;
};

}  // namespace ferry
