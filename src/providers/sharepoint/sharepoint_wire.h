// What the SharePoint provider reads off the wire: list properties, fields and change records.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ferry::sharepoint {

// SP.FieldType (FieldTypeKind) values the provider cares about.
enum class FieldKind : int {
    Invalid = 0,
    Integer = 1,
    Text = 2,
    Note = 3,
    DateTime = 4,
    Counter = 5,
    Choice = 6,
    Lookup = 7,
    Boolean = 8,
    Number = 9,
    Currency = 10,
    Url = 11,
    Computed = 12,
    Guid = 14,
    MultiChoice = 15,
    Calculated = 17,
    Attachments = 19,
    User = 20,
};

// One SP.Field of a list's field collection (/fields).
struct FieldInfo {
    std::string internalName;        // "Account_x0020_Number"
    std::string entityPropertyName;  // the name in item JSON ("OData__UIVersionString")
    std::string title;               // display name ("Account Number")
    std::string typeAsString;        // "Text", "LookupMulti", "UserMulti", ...
    FieldKind kind = FieldKind::Invalid;
    bool readOnly = false;
    bool hidden = false;
    bool required = false;
    bool indexed = false;
    std::int64_t maxLength = 0;  // Text: the MaxLength property; 0 when none
    std::vector<std::string> choices;
    bool dateOnly = false;  // DateTime with DisplayFormat 0 (DateOnly)

    // LookupMulti / UserMulti: the JSON value is an array of ids.
    bool multi() const;
};

// The list properties read once per provider.
struct ListInfo {
    std::string id;                  // GUID, lower case
    std::string title;               // display title
    std::string entityTypeFullName;  // ListItemEntityTypeFullName, e.g. SP.Data.AccountsListItem
    std::int64_t itemCount = 0;
};

// SP.ChangeType values of SP.ChangeItem.
enum class ChangeType : int { NoChange = 0, Add = 1, Update = 2, DeleteObject = 3, Restore = 7 };

struct ChangeRecord {
    ChangeType type = ChangeType::NoChange;
    std::int64_t itemId = 0;
    std::string token;  // ChangeToken.StringValue
};

}  // namespace ferry::sharepoint
