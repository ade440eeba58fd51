// The Provider base's shared policy and the registry of providers by name.
#include "ferry/provider.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace ferry {

namespace {

std::string joinNames(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& name : names) {
        if (!out.empty()) {
            out += ", ";
        }
        out += name;
    }
    return out;
}

bool matchesKey(const ConnectionKey& key, std::string_view name) {
    return equalsIgnoreCase(key.name, name) ||
           std::any_of(key.aliases.begin(), key.aliases.end(),
                       [name](const std::string& alias) { return equalsIgnoreCase(alias, name); });
}

std::string trimmed(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return std::string(text);
}

}  // namespace

// --- Provider --------------------------------------------------------------------------------

void Provider::verify() {
    doVerify();
}

const Schema& Provider::describe() {
    if (!m_schema) {
        m_schema = doDescribe();
    }
    return *m_schema;
}

void Provider::read(const ReadRequest& request, const PageSink& sink) {
    if (!sink) {
        throw Error(ErrorCode::Internal, "read() needs a page sink");
    }
    doRead(request, sink);
}

ChangeReadResult Provider::readChanges(const std::string& deltaToken, const PageSink& sink,
                                       const DeletedKeySink& deleted) {
    if (!sink || !deleted) {
        throw Error(ErrorCode::Internal, "readChanges() needs a page sink and a deleted-key sink");
    }
    if (!capabilities().supportsChangeTracking) {
        throw Error(ErrorCode::Internal, "this provider has no change tracking");
    }
    return doReadChanges(deltaToken, sink, deleted);
}

ChangeReadResult Provider::doReadChanges(const std::string&, const PageSink&,
                                         const DeletedKeySink&) {
    throw Error(ErrorCode::Internal, "this provider has no change tracking");
}

void Provider::readKeys(const std::vector<std::vector<Value>>& keys, const PageSink& sink) {
    if (!sink) {
        throw Error(ErrorCode::Internal, "readKeys() needs a page sink");
    }
    if (!capabilities().supportsKeyedRead) {
        throw Error(ErrorCode::Internal, "this provider cannot read by key");
    }
    if (!keys.empty()) {
        doReadKeys(keys, sink);
    }
}

void Provider::doReadKeys(const std::vector<std::vector<Value>>&, const PageSink&) {
    throw Error(ErrorCode::Internal, "this provider cannot read by key");
}

std::optional<std::vector<Value>> Provider::keyForOrigin(const std::string& origin) const {
    return origin.empty() ? std::nullopt : doKeyForOrigin(origin);
}

std::optional<std::vector<Value>> Provider::doKeyForOrigin(const std::string&) const {
    return std::nullopt;
}

bool Provider::entityExists() {
    if (!capabilities().canCreateEntity) {
        throw Error(ErrorCode::Internal, "this provider cannot create entities");
    }
    return doEntityExists();
}

bool Provider::doEntityExists() {
    throw Error(ErrorCode::Internal, "this provider cannot create entities");
}

CreatedEntity Provider::createEntity(const std::vector<Column>& columns) {
    if (!capabilities().canCreateEntity) {
        throw Error(ErrorCode::Internal, "this provider cannot create entities");
    }
    if (columns.empty()) {
        throw Error(ErrorCode::InvalidArgument, "there are no columns to create");
    }
    return doCreateEntity(columns);
}

CreatedEntity Provider::doCreateEntity(const std::vector<Column>&) {
    throw Error(ErrorCode::Internal, "this provider cannot create entities");
}

std::vector<WriteOutcome> Provider::write(const WriteBatch& batch) {
    if (batch.items.empty()) {
        return {};
    }
    for (std::size_t i = 0; i < batch.items.size(); ++i) {
        const auto& item = batch.items[i];
        if (item.kind != WriteKind::Delete && item.values.size() != batch.columns.size()) {
            throw Error(ErrorCode::Internal, "write item " + std::to_string(i) + " has " +
                                                 std::to_string(item.values.size()) +
                                                 " values for " +
                                                 std::to_string(batch.columns.size()) + " columns");
        }
    }
    auto outcomes = doWrite(batch);
    if (outcomes.size() != batch.items.size()) {
        throw Error(ErrorCode::Internal, "the provider returned " +
                                             std::to_string(outcomes.size()) + " outcomes for " +
                                             std::to_string(batch.items.size()) + " items");
    }
    return outcomes;
}

// --- ProviderRegistry ------------------------------------------------------------------------

void ProviderRegistry::add(ProviderInfo info) {
    if (find(info.name) != nullptr) {
        throw Error(ErrorCode::Internal, "provider '" + info.name + "' is registered twice");
    }
    m_providers.push_back(std::move(info));
}

const ProviderInfo* ProviderRegistry::find(std::string_view name) const {
    for (const auto& info : m_providers) {
        if (equalsIgnoreCase(info.name, name)) {
            return &info;
        }
    }
    return nullptr;
}

std::vector<const ProviderInfo*> ProviderRegistry::all() const {
    std::vector<const ProviderInfo*> out;
    out.reserve(m_providers.size());
    for (const auto& info : m_providers) {
        out.push_back(&info);
    }
    return out;
}

namespace {

std::string availableProviders(const std::vector<const ProviderInfo*>& infos) {
    std::vector<std::string> names;
    names.reserve(infos.size());
    for (const auto* info : infos) {
        names.push_back(info->name);
    }
    return names.empty() ? std::string("none") : joinNames(names);
}

}  // namespace

std::vector<std::string> ProviderRegistry::validate(
    std::string_view providerName, const ConnectionString& connectionString) const {
    const ProviderInfo* info = find(providerName);
    if (info == nullptr) {
        return {"unknown provider '" + std::string(providerName) +
                "' (available: " + availableProviders(all()) + ")"};
    }
    std::vector<std::string> problems;
    std::vector<std::string> knownNames;
    for (const auto& key : info->keys) {
        knownNames.push_back(key.name);
    }
    // Which spelling supplied each declared key, to catch "Server" and "Data Source" together.
    std::vector<std::string> suppliedAs(info->keys.size());
    for (const auto& entry : connectionString.entries()) {
        // Plain references, not structured bindings: older Clang cannot capture those.
        const std::string& name = entry.first;
        const std::string& value = entry.second;
        const auto it =
            std::find_if(info->keys.begin(), info->keys.end(),
                         [&name](const ConnectionKey& key) { return matchesKey(key, name); });
        if (it == info->keys.end()) {
            if (!info->allowUnknownKeys) {
                problems.push_back("unknown key '" + name + "' for provider " + info->name +
                                   " (known keys: " + joinNames(knownNames) + ")");
            }
            continue;
        }
        const auto index = static_cast<std::size_t>(it - info->keys.begin());
        if (!suppliedAs[index].empty()) {
            problems.push_back("key '" + it->name + "' is given twice (as '" + suppliedAs[index] +
                               "' and '" + name + "')");
            continue;
        }
        suppliedAs[index] = name;
        if (!it->choices.empty()) {
            const std::string given = trimmed(value);
            const bool allowed = std::any_of(
                it->choices.begin(), it->choices.end(),
                [&given](const std::string& choice) { return equalsIgnoreCase(choice, given); });
            if (!allowed) {
                problems.push_back("key '" + it->name + "' must be one of " +
                                   joinNames(it->choices) + " (got '" + value + "')");
            }
        }
    }
    for (std::size_t i = 0; i < info->keys.size(); ++i) {
        if (info->keys[i].required && suppliedAs[i].empty()) {
            problems.push_back("missing required key '" + info->keys[i].name + "'");
        }
    }
    return problems;
}

bool ProviderRegistry::carriesSecret(std::string_view providerName,
                                     const ConnectionString& connectionString) const {
    std::vector<std::string> secretKeys = {"Password", "Pwd"};
    if (const ProviderInfo* info = find(providerName); info != nullptr) {
        for (const auto& key : info->keys) {
            if (key.secret) {
                secretKeys.push_back(key.name);
                secretKeys.insert(secretKeys.end(), key.aliases.begin(), key.aliases.end());
            }
        }
    }
    for (const auto& key : secretKeys) {
        if (auto value = connectionString.get(key); value && !value->empty()) {
            return true;
        }
    }
    return false;
}

std::unique_ptr<Provider> ProviderRegistry::create(std::string_view providerName,
                                                   const ProviderSettings& settings) const {
    const ProviderInfo* info = find(providerName);
    if (info == nullptr) {
        throw Error(ErrorCode::UnknownProvider, "unknown provider '" + std::string(providerName) +
                                                    "' (available: " + availableProviders(all()) +
                                                    ")");
    }
    if (!info->factory) {
        throw Error(ErrorCode::Internal, "provider '" + info->name + "' has no factory");
    }
    auto provider = info->factory(settings);
    if (!provider) {
        throw Error(ErrorCode::Internal, "provider '" + info->name + "' created nothing");
    }
    spdlog::debug("opened {} provider for '{}'", info->name, settings.title);
    return provider;
}

}  // namespace ferry
