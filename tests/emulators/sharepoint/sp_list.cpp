// One SharePoint list in memory: fields, compact item storage, value conversion, change log.
#include "sp_list.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "sp_text.h"

namespace ferry::emulator::sp {
namespace {

constexpr char kUrlSeparator = '\x1f';

std::string fieldGuid(std::uint64_t seed, std::size_t index) {
    std::uint64_t state = seed ^ (0x51ED27A1ULL * (index + 1));
    return randomGuid(state);
}

std::string edmTypeOf(SpFieldType type) {
    switch (type) {
        case SpFieldType::Number:
        case SpFieldType::Currency:
            return "Edm.Double";
        case SpFieldType::Boolean:
            return "Edm.Boolean";
        case SpFieldType::DateTime:
            return "Edm.DateTime";
        case SpFieldType::Lookup:
        case SpFieldType::User:
        case SpFieldType::Counter:
            return "Edm.Int32";
        default:
            return "Edm.String";
    }
}

[[noreturn]] void wrongType(SpFieldType type) {
    throw SpError(400, kInvalidClientQuery,
                  "Cannot convert a primitive value to the expected type '" + edmTypeOf(type) +
                      "'. See the inner exception for more details.");
}

std::vector<std::string> splitMulti(const std::string& cell) {
    std::vector<std::string> values;
    std::size_t pos = 0;
    while (true) {
        const auto start = cell.find(";#", pos);
        if (start == std::string::npos)
            break;
        const auto end = cell.find(";#", start + 2);
        if (end == std::string::npos)
            break;
        if (end > start + 2)
            values.push_back(cell.substr(start + 2, end - start - 2));
        pos = end;
    }
    return values;
}

}  // namespace

std::string typeAsString(SpFieldType type) {
    switch (type) {
        case SpFieldType::Text:
            return "Text";
        case SpFieldType::Note:
            return "Note";
        case SpFieldType::Number:
            return "Number";
        case SpFieldType::Currency:
            return "Currency";
        case SpFieldType::DateTime:
            return "DateTime";
        case SpFieldType::Boolean:
            return "Boolean";
        case SpFieldType::Choice:
            return "Choice";
        case SpFieldType::MultiChoice:
            return "MultiChoice";
        case SpFieldType::Lookup:
            return "Lookup";
        case SpFieldType::User:
            return "User";
        case SpFieldType::URL:
            return "URL";
        case SpFieldType::Counter:
            return "Counter";
        case SpFieldType::Computed:
            return "Computed";
    }
    return "Text";
}

int fieldTypeKind(SpFieldType type) {
    switch (type) {
        case SpFieldType::Text:
            return 2;
        case SpFieldType::Note:
            return 3;
        case SpFieldType::DateTime:
            return 4;
        case SpFieldType::Counter:
            return 5;
        case SpFieldType::Choice:
            return 6;
        case SpFieldType::Lookup:
            return 7;
        case SpFieldType::Boolean:
            return 8;
        case SpFieldType::Number:
            return 9;
        case SpFieldType::Currency:
            return 10;
        case SpFieldType::URL:
            return 11;
        case SpFieldType::Computed:
            return 12;
        case SpFieldType::MultiChoice:
            return 15;
        case SpFieldType::User:
            return 20;
    }
    return 2;
}

std::optional<SpFieldType> parseFieldType(const nlohmann::json& value) {
    static constexpr SpFieldType kAll[] = {
        SpFieldType::Text,     SpFieldType::Note,    SpFieldType::Number, SpFieldType::Currency,
        SpFieldType::DateTime, SpFieldType::Boolean, SpFieldType::Choice, SpFieldType::MultiChoice,
        SpFieldType::Lookup,   SpFieldType::User,    SpFieldType::URL,    SpFieldType::Counter,
        SpFieldType::Computed};
    for (const SpFieldType type : kAll) {
        if (value.is_number_integer() && value.get<int>() == fieldTypeKind(type))
            return type;
        if (value.is_string() && iequals(value.get<std::string>(), typeAsString(type)))
            return type;
    }
    return std::nullopt;
}

SpList::SpList(const SpListDefinition& definition, std::string id, std::string siteRelativeUrl)
    : m_title(definition.title), m_id(std::move(id)) {
    if (m_title.empty())
        throw std::invalid_argument("A list needs a title.");
    m_urlName = definition.urlName.empty() ? m_title : definition.urlName;
    m_rootUrl = siteRelativeUrl + "/Lists/" + m_urlName;
    const std::string encoded = encodeInternalName(m_urlName, 1000);
    m_entityTypeName = encoded + "List";
    m_itemTypeName = encoded + "ListItem";
    for (const char c : m_id)
        m_guidSeed = m_guidSeed * 131 + static_cast<unsigned char>(c);
    m_created = nowSeconds();
    m_lastModified = m_created;
    m_lastDeleted = m_created;

    auto builtin = [&](const char* name, const char* title, SpFieldType type, Builtin which) {
        ListField f;
        f.def.internalName = name;
        f.def.title = title;
        f.def.type = type;
        f.def.readOnly = true;
        f.builtin = which;
        f.fromBaseType = true;
        f.entityName = name;
        f.id = fieldGuid(m_guidSeed, m_fields.size());
        m_fields.push_back(std::move(f));
    };
    builtin("ID", "ID", SpFieldType::Counter, Builtin::Id);
    m_fields.back().def.indexed = true;
    {
        SpField title;
        title.internalName = "Title";
        title.title = "Title";
        title.required = true;
        for (const SpField& f : definition.fields)
            if (f.internalName == "Title")
                title = f;
        title.type = SpFieldType::Text;
        if (title.title.empty())
            title.title = "Title";
        ListField f;
        f.def = title;
        f.slot = m_slots++;
        f.entityName = "Title";
        f.fromBaseType = true;
        f.id = fieldGuid(m_guidSeed, m_fields.size());
        m_fields.push_back(std::move(f));
    }
    builtin("Modified", "Modified", SpFieldType::DateTime, Builtin::Modified);
    builtin("Created", "Created", SpFieldType::DateTime, Builtin::Created);
    builtin("Author", "Created By", SpFieldType::User, Builtin::Author);
    builtin("Editor", "Modified By", SpFieldType::User, Builtin::Editor);
    for (auto& f : m_fields)
        if (f.builtin == Builtin::Author || f.builtin == Builtin::Editor)
            f.entityName = f.def.internalName + "Id";
    for (const SpField& f : definition.fields) {
        if (f.internalName == "Title")
            continue;
        addField(f);
    }
}

const ListField& SpList::addField(const SpField& field) {
    if (field.internalName.empty())
        throw std::invalid_argument("A field needs an internal name.");
    if (findField(field.internalName) != nullptr)
        throw SpError(400, "-2130575245, Microsoft.SharePoint.SPException",
                      "A duplicate field name \"" + field.internalName + "\" was found.");
    ListField f;
    f.def = field;
    if (f.def.title.empty())
        f.def.title = f.def.internalName;
    if (f.def.type == SpFieldType::Counter || f.def.type == SpFieldType::Computed)
        f.def.readOnly = true;
    f.slot = m_slots++;
    f.id = fieldGuid(m_guidSeed, m_fields.size());
    f.entityName = field.internalName;
    if (!f.entityName.empty() && f.entityName.front() == '_')
        f.entityName = "OData_" + f.entityName;
    if (field.type == SpFieldType::Lookup || field.type == SpFieldType::User)
        f.entityName += "Id";
    m_fields.push_back(std::move(f));
    for (auto& [id, item] : m_items)
        item.values.resize(static_cast<std::size_t>(m_slots));
    return m_fields.back();
}

const ListField* SpList::findField(std::string_view name, bool byTitle) const {
    for (const ListField& f : m_fields)
        if (iequals(f.def.internalName, name) || iequals(f.entityName, name))
            return &f;
    if (iequals(name, "Id"))
        return &m_fields.front();
    if (byTitle)
        for (const ListField& f : m_fields)
            if (iequals(f.def.title, name))
                return &f;
    return nullptr;
}

const SpItem* SpList::item(int id) const {
    const auto it = m_items.find(id);
    return it == m_items.end() ? nullptr : &it->second;
}

std::string SpList::toCell(const ListField& field, const nlohmann::json& value) const {
    if (value.is_null())
        return {};
    const SpFieldType type = field.def.type;
    switch (type) {
        case SpFieldType::Text:
        case SpFieldType::Note:
        case SpFieldType::Choice: {
            if (!value.is_string())
                wrongType(type);
            std::string text = value.get<std::string>();
            if (type == SpFieldType::Text && field.def.maxLength > 0 &&
                codePointCount(text) > static_cast<std::size_t>(field.def.maxLength))
                throw SpError(400, kValidationFailed,
                              "The value of the field '" + field.def.title + "' (" +
                                  field.def.internalName + ") exceeds its maximum length of " +
                                  std::to_string(field.def.maxLength) + " characters.");
            if (type == SpFieldType::Choice && !text.empty() && !field.def.fillInChoice &&
                std::find(field.def.choices.begin(), field.def.choices.end(), text) ==
                    field.def.choices.end())
                throw SpError(400, kValidationFailed,
                              "The value '" + text + "' is not one of the choices of the field '" +
                                  field.def.title + "' (" + field.def.internalName + ").");
            return text;
        }
        case SpFieldType::Number:
        case SpFieldType::Currency: {
            if (value.is_number())
                return formatNumber(value.get<double>());
            if (value.is_string()) {
                if (value.get<std::string>().empty())
                    return {};
                if (const auto n = parseNumber(value.get<std::string>()))
                    return formatNumber(*n);
            }
            wrongType(type);
        }
        case SpFieldType::Boolean:
            if (value.is_boolean())
                return value.get<bool>() ? "1" : "0";
            if (value.is_number_integer())
                return value.get<long long>() != 0 ? "1" : "0";
            if (value.is_string()) {
                const std::string text = value.get<std::string>();
                if (iequals(text, "true") || text == "1")
                    return "1";
                if (iequals(text, "false") || text == "0")
                    return "0";
            }
            wrongType(type);
        case SpFieldType::DateTime: {
            if (!value.is_string())
                wrongType(type);
            if (value.get<std::string>().empty())
                return {};
            auto seconds = parseIso(value.get<std::string>());
            if (!seconds)
                wrongType(type);
            if (field.def.dateOnly) {
                // A date-only field keeps the day (the site's time zone is UTC here).
                constexpr std::int64_t kDay = 86400;
                *seconds -= ((*seconds % kDay) + kDay) % kDay;
            }
            return formatIso(*seconds);
        }
        case SpFieldType::MultiChoice: {
            const nlohmann::json* array = &value;
            if (value.is_object() && value.contains("results"))
                array = &value["results"];
            if (!array->is_array())
                wrongType(type);
            if (array->empty())
                return {};
            std::string cell = ";#";
            for (const auto& v : *array) {
                if (!v.is_string())
                    wrongType(type);
                const std::string text = v.get<std::string>();
                if (!field.def.fillInChoice &&
                    std::find(field.def.choices.begin(), field.def.choices.end(), text) ==
                        field.def.choices.end())
                    throw SpError(400, kValidationFailed,
                                  "The value '" + text +
                                      "' is not one of the choices of the field '" +
                                      field.def.title + "' (" + field.def.internalName + ").");
                cell += text + ";#";
            }
            return cell;
        }
        case SpFieldType::Lookup:
        case SpFieldType::User:
        case SpFieldType::Counter:
            if (value.is_number_integer()) {
                const long long id = value.get<long long>();
                return id <= 0 ? std::string() : std::to_string(id);
            }
            if (value.is_string()) {
                const std::string text = value.get<std::string>();
                if (text.empty())
                    return {};
                if (const auto n = parseNumber(text); n && *n == std::floor(*n))
                    return *n <= 0 ? std::string() : formatNumber(*n);
            }
            wrongType(type);
        case SpFieldType::URL: {
            if (value.is_string())
                return value.get<std::string>().empty()
                           ? std::string()
                           : value.get<std::string>() + kUrlSeparator + value.get<std::string>();
            if (!value.is_object())
                wrongType(type);
            const std::string url = value.value("Url", std::string());
            if (url.empty())
                return {};
            return url + kUrlSeparator + value.value("Description", url);
        }
        case SpFieldType::Computed:
            return {};
    }
    return {};
}

void SpList::applyBody(SpItem& item, const nlohmann::json& body, bool replace) {
    if (!body.is_object())
        throw SpError(400, kInvalidClientQuery,
                      "The request body must be a JSON object with the item's properties.");
    std::vector<std::string> values = item.values;
    if (replace)
        std::fill(values.begin(), values.end(), std::string());
    for (const auto& [key, value] : body.items()) {
        const ListField* field = nullptr;
        for (const ListField& f : m_fields)
            if (f.entityName == key)
                field = &f;
        if (field == nullptr && (key == "Id" || key == "ID"))
            continue;  // echoed back by clients; the ID never changes
        if (field == nullptr)
            throw SpError(400, kInvalidClientQuery,
                          "The property '" + key + "' does not exist on type '" +
                              itemEntityTypeFullName() +
                              "'. Make sure to only use property names that are defined by the "
                              "type.");
        if (field->slot < 0 || field->def.readOnly)
            continue;  // read-only columns ignore writes, as SharePoint's item update does
        values[static_cast<std::size_t>(field->slot)] = toCell(*field, value);
    }
    for (const ListField& f : m_fields) {
        if (f.slot < 0 || !f.def.enforceUniqueValues)
            continue;
        const auto slot = static_cast<std::size_t>(f.slot);
        if (values[slot].empty() || values[slot] == item.values[slot])
            continue;
        for (const auto& [otherId, other] : m_items)
            if (otherId != item.id && iequals(other.values[slot], values[slot]))
                throw SpError(400, kDuplicateValuesCode,
                              "The list item could not be added or updated because duplicate "
                              "values were found in the following field(s) in the list: " +
                                  f.def.title + ".");
    }
    // No check of Required: SharePoint's REST item writes store items without their required
    // values (PnP-JS-Core #376); forms and ValidateUpdateListItem check them.
    item.values = std::move(values);
}

const SpItem& SpList::create(const nlohmann::json& body, int user, std::int64_t now) {
    SpItem item;
    item.values.resize(static_cast<std::size_t>(m_slots));
    applyBody(item, body, false);
    item.id = m_nextId++;
    item.created = item.modified = now;
    item.author = item.editor = user;
    m_lastModified = now;
    logChange(1, item.id, now);
    return m_items.emplace(item.id, std::move(item)).first->second;
}

const SpItem& SpList::update(int id, const nlohmann::json& body, bool replace, int user,
                             std::int64_t now) {
    const auto it = m_items.find(id);
    if (it == m_items.end())
        throw SpError(404, kArgumentException,
                      "Item does not exist. It may have been deleted by another user.");
    applyBody(it->second, body, replace);
    it->second.version++;
    it->second.modified = now;
    it->second.editor = user;
    m_lastModified = now;
    logChange(2, id, now);
    return it->second;
}

void SpList::remove(int id, std::int64_t now) {
    if (m_items.erase(id) == 0)
        throw SpError(404, kArgumentException,
                      "Item does not exist. It may have been deleted by another user.");
    m_lastDeleted = now;
    logChange(3, id, now);
}

void SpList::seed(const nlohmann::json& values, std::int64_t now) {
    if (!values.is_object())
        throw std::invalid_argument("An item to seed must be a JSON object.");
    SpItem item;
    item.values.resize(static_cast<std::size_t>(m_slots));
    item.created = item.modified = now;
    for (const auto& [key, value] : values.items()) {
        const ListField* field = findField(key);
        if (field == nullptr)
            throw std::invalid_argument("List '" + m_title + "' has no field '" + key + "'.");
        try {
            switch (field->builtin) {
                case Builtin::None:
                    item.values[static_cast<std::size_t>(field->slot)] = toCell(*field, value);
                    break;
                case Builtin::Id:
                    break;  // IDs are assigned in order
                case Builtin::Created:
                case Builtin::Modified: {
                    const auto s = value.is_string() ? parseIso(value.get<std::string>())
                                                     : std::optional<std::int64_t>();
                    if (!s)
                        throw std::invalid_argument("'" + key + "' needs an ISO date.");
                    (field->builtin == Builtin::Created ? item.created : item.modified) = *s;
                    break;
                }
                case Builtin::Author:
                case Builtin::Editor:
                    (field->builtin == Builtin::Author ? item.author : item.editor) =
                        value.get<int>();
                    break;
            }
        } catch (const SpError& e) {
            throw std::invalid_argument(e.what());
        } catch (const nlohmann::json::exception& e) {
            throw std::invalid_argument(e.what());
        }
    }
    item.id = m_nextId++;
    m_lastModified = std::max(m_lastModified, item.modified);
    m_items.emplace(item.id, std::move(item));
}

FilterValue SpList::value(const SpItem& item, const ListField& field) const {
    switch (field.builtin) {
        case Builtin::Id:
            return FilterValue::ofNumber(item.id);
        case Builtin::Created:
            return FilterValue::ofDateTime(static_cast<double>(item.created));
        case Builtin::Modified:
            return FilterValue::ofDateTime(static_cast<double>(item.modified));
        case Builtin::Author:
            return FilterValue::ofNumber(item.author);
        case Builtin::Editor:
            return FilterValue::ofNumber(item.editor);
        case Builtin::None:
            break;
    }
    const std::string& cell = item.values[static_cast<std::size_t>(field.slot)];
    if (cell.empty())
        return FilterValue::null();
    switch (field.def.type) {
        case SpFieldType::Number:
        case SpFieldType::Currency:
        case SpFieldType::Lookup:
        case SpFieldType::User:
        case SpFieldType::Counter:
            return FilterValue::ofNumber(parseNumber(cell).value_or(0));
        case SpFieldType::Boolean:
            return FilterValue::ofBool(cell == "1");
        case SpFieldType::DateTime:
            return FilterValue::ofDateTime(static_cast<double>(parseIso(cell).value_or(0)));
        case SpFieldType::URL:
            return FilterValue::ofString(cell.substr(0, cell.find(kUrlSeparator)));
        default:
            return FilterValue::ofString(cell);
    }
}

void SpList::writeValue(nlohmann::ordered_json& out, const SpItem& item, const ListField& field,
                        JsonFormat format) const {
    switch (field.builtin) {
        case Builtin::Id:
            out["ID"] = item.id;
            return;
        case Builtin::Created:
            out["Created"] = formatIso(item.created);
            return;
        case Builtin::Modified:
            out["Modified"] = formatIso(item.modified);
            return;
        case Builtin::Author:
            out["AuthorId"] = item.author;
            return;
        case Builtin::Editor:
            out["EditorId"] = item.editor;
            return;
        case Builtin::None:
            break;
    }
    const std::string& cell = item.values[static_cast<std::size_t>(field.slot)];
    nlohmann::ordered_json& target = out[field.entityName];
    if (cell.empty()) {
        target = nullptr;
        return;
    }
    switch (field.def.type) {
        case SpFieldType::Number:
        case SpFieldType::Currency:
            target = parseNumber(cell).value_or(0);
            break;
        case SpFieldType::Lookup:
        case SpFieldType::User:
        case SpFieldType::Counter:
            target = static_cast<long long>(parseNumber(cell).value_or(0));
            break;
        case SpFieldType::Boolean:
            target = cell == "1";
            break;
        case SpFieldType::MultiChoice: {
            nlohmann::ordered_json values = nlohmann::ordered_json::array();
            for (auto& v : splitMulti(cell))
                values.push_back(std::move(v));
            if (format == JsonFormat::Verbose)
                target = {{"__metadata", {{"type", "Collection(Edm.String)"}}},
                          {"results", std::move(values)}};
            else
                target = std::move(values);
            break;
        }
        case SpFieldType::URL: {
            const auto sep = cell.find(kUrlSeparator);
            nlohmann::ordered_json url = nlohmann::ordered_json::object();
            if (format == JsonFormat::Verbose)
                url["__metadata"] = {{"type", "SP.FieldUrlValue"}};
            url["Description"] = sep == std::string::npos ? cell : cell.substr(sep + 1);
            url["Url"] = cell.substr(0, sep);
            target = std::move(url);
            break;
        }
        default:
            target = cell;
    }
}

nlohmann::json SpList::nativeItem(const SpItem& item) const {
    nlohmann::ordered_json out;
    for (const ListField& f : m_fields)
        writeValue(out, item, f, JsonFormat::NoMetadata);
    nlohmann::json native;
    for (const ListField& f : m_fields) {
        std::string wire = f.entityName;
        std::string key = f.def.internalName;
        if (f.builtin == Builtin::Id || f.builtin == Builtin::Created ||
            f.builtin == Builtin::Modified)
            wire = f.def.internalName;
        if (f.def.type == SpFieldType::Lookup || f.def.type == SpFieldType::User)
            key += "Id";
        native[key] = nlohmann::json::parse(out[wire].dump());
    }
    native["version"] = item.version;
    return native;
}

void SpList::logChange(int type, int itemId, std::int64_t now) {
    m_changes.push_back({++m_changeCounter, type, itemId, now});
}

std::string SpList::changeToken(std::int64_t number, std::int64_t time) const {
    return "1;3;" + m_id + ";" + std::to_string(dotNetTicks(time)) + ";" + std::to_string(number);
}

std::string SpList::currentChangeToken() const {
    const std::int64_t time = m_changes.empty() ? m_created : m_changes.back().time;
    return changeToken(m_changeCounter, time);
}

std::string SpList::itemGuid(int id) const {
    std::uint64_t state = m_guidSeed ^ (static_cast<std::uint64_t>(id) * 0x9E3779B97F4A7C15ULL);
    return randomGuid(state);
}

}  // namespace ferry::emulator::sp
