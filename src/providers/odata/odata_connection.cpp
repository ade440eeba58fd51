// OData connection-string keys, their validation, and the HTTP stack of one provider.
#include "odata_connection.h"

#include "ferry/error.h"
#include "odata_select.h"

namespace ferry::odata {

namespace {

using net::booleanKey;
using net::positiveNumberKey;

Error invalid(std::string message, std::string hint = {}) {
    return net::invalidConnectionString(std::move(message), std::move(hint));
}

// The host of an absolute URL, lower case, without port.
std::string hostOf(const std::string& url) {
    const auto scheme = url.find("://");
    std::string host = url.substr(scheme + 3);
    host = host.substr(0, host.find_first_of("/?#"));
    host = host.substr(host.find('@') == std::string::npos ? 0 : host.find('@') + 1);
    return net::asciiLower(host.substr(0, host.find(':')));
}

bool endsWith(const std::string& text, const std::string& suffix) {
    return text.size() >= suffix.size() &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string originOf(const std::string& url) {
    const auto scheme = url.find("://");
    return url.substr(0, url.find('/', scheme + 3));
}

}  // namespace

std::vector<ConnectionKey> connectionKeys() {
    const std::vector<std::string> trueFalse = {"true", "false", "yes", "no", "1", "0"};
    std::vector<ConnectionKey> keys;
    keys.push_back({"URL",
                    "The service root, e.g. https://contoso.crm4.dynamics.com/api/data/v9.2/ "
                    "(Dynamics 365) or the root of any OData v4 service.",
                    true,
                    false,
                    {},
                    {"Url", "ServiceRoot"}});
    keys.push_back({"Authentication",
                    "microsoft_modern_crm (OAuth2 sign-in with User and password; also "
                    "Microsoft_Modern or password), client_credentials (ClientId and client "
                    "secret), bearer (the password is an access token), basic (User and "
                    "password), none. Default: microsoft_modern_crm for *.dynamics.com, "
                    "otherwise none.",
                    false,
                    false,
                    {"microsoft_modern_crm", "Microsoft_Modern", "password", "client_credentials",
                     "bearer", "basic", "none"},
                    {}});
    keys.push_back({"User",
                    "The user name (microsoft_modern_crm, basic), e.g. admin@contoso.com.",
                    false,
                    false,
                    {},
                    {"Username", "UserName"}});
    keys.push_back({"ClientId",
                    "The application (client) id registered in Microsoft Entra ID. Required for "
                    "client_credentials; optional for microsoft_modern_crm.",
                    false,
                    false,
                    {},
                    {"AppId"}});
    keys.push_back({"TenantId",
                    "The Entra ID tenant (GUID or domain). Default: discovered from the service.",
                    false,
                    false,
                    {},
                    {}});
    keys.push_back({"Authority",
                    "Where tokens come from, e.g. https://login.microsoftonline.com/<tenant>. "
                    "Default: discovered from the service's sign-in challenge.",
                    false,
                    false,
                    {},
                    {}});
    keys.push_back({"TokenEndpoint",
                    "The full URL of the OAuth2 token endpoint; overrides Authority.",
                    false,
                    false,
                    {},
                    {}});
    keys.push_back(
        {"Scope", "The OAuth2 scope. Default: <service origin>/.default.", false, false, {}, {}});
    keys.push_back({"MaxPageSize",
                    "Rows per page asked for with Prefer: odata.maxpagesize (default 5000).",
                    false,
                    false,
                    {},
                    {}});
    keys.push_back(
        {"BatchSize", "Write operations per $batch request (default 100).", false, false, {}, {}});
    keys.push_back({"Concurrency",
                    "$batch requests sent in parallel when writing (default 4).",
                    false,
                    false,
                    {},
                    {}});
    keys.push_back({"ReplicationKey",
                    "true: Ferry sets the primary key GUID of new records itself, derived from "
                    "the source record, so a rerun after a crash never creates a duplicate "
                    "(default false).",
                    false,
                    false,
                    trueFalse,
                    {}});
    keys.push_back(
        {"Timeout", "Seconds to wait for one HTTP request (default 120).", false, false, {}, {}});
    keys.push_back({"VerifyTls",
                    "Check the server's TLS certificate (default true). Turn off only for a test "
                    "server with a self-signed certificate.",
                    false,
                    false,
                    trueFalse,
                    {}});
    return keys;
}

ConnectionSettings parseConnectionSettings(const ConnectionString& cs) {
    ConnectionSettings settings;
    std::string url = cs.getOr("URL", cs.getOr("ServiceRoot", ""));
    if (url.empty()) {
        throw invalid("the connection string has no URL",
                      "add URL=<service root>, e.g. "
                      "URL=https://contoso.crm4.dynamics.com/api/data/v9.2/");
    }
    const std::string scheme = net::asciiLower(url.substr(0, url.find("://") + 3));
    if (scheme != "http://" && scheme != "https://") {
        throw invalid("URL must start with https:// (or http://), not '" + url + "'");
    }
    settings.serviceRoot = normalizeServiceRoot(url);
    const std::string host = hostOf(settings.serviceRoot);
    const bool dynamicsHost = endsWith(host, ".dynamics.com") ||
                              endsWith(host, ".microsoftdynamics.us") ||
                              endsWith(host, ".dynamics.cn");

    const std::string auth = cs.getOr("Authentication", "");
    settings.authName = auth.empty() ? (dynamicsHost ? "microsoft_modern_crm" : "none") : auth;
    const std::string method = net::asciiLower(settings.authName);
    if (method == "microsoft_modern_crm" || method == "microsoft_modern" || method == "password") {
        settings.auth = net::AuthMethod::Password;
    } else if (method == "client_credentials") {
        settings.auth = net::AuthMethod::ClientCredentials;
    } else if (method == "bearer") {
        settings.auth = net::AuthMethod::Bearer;
    } else if (method == "basic") {
        settings.auth = net::AuthMethod::Basic;
    } else if (method == "none") {
        settings.auth = net::AuthMethod::None;
    } else {
        throw invalid("Authentication '" + auth + "' is not known",
                      "use microsoft_modern_crm, client_credentials, bearer, basic or none");
    }
    net::readSignInKeys(cs, settings);
    if ((settings.auth == net::AuthMethod::Password || settings.auth == net::AuthMethod::Basic) &&
        settings.user.empty()) {
        throw invalid("Authentication=" + settings.authName + " needs a User",
                      "add User=<name>, e.g. User=admin@contoso.com");
    }
    if (settings.auth == net::AuthMethod::ClientCredentials && settings.clientId.empty()) {
        throw invalid("Authentication=client_credentials needs a ClientId",
                      "add ClientId=<application id>; the client secret goes in the password");
    }
    settings.maxPageSize = positiveNumberKey(cs, "MaxPageSize", 5000, 100000);
    settings.batchSize = positiveNumberKey(cs, "BatchSize", 100, 1000);
    settings.concurrency = positiveNumberKey(cs, "Concurrency", 4, 64);
    settings.timeout = std::chrono::seconds(positiveNumberKey(cs, "Timeout", 120, 86400));
    settings.replicationKey = booleanKey(cs, "ReplicationKey", false);
    settings.verifyTls = booleanKey(cs, "VerifyTls", true);
    return settings;
}

net::AuthSettings authSettings(const ConnectionSettings& settings, const std::string& secret) {
    net::AuthSettings auth = net::authSettingsOf(settings, secret);
    auth.resource = originOf(settings.serviceRoot);
    auth.discoveryUrl = settings.serviceRoot;
    return auth;
}

Connection::Connection(const ConnectionSettings& settings, const std::string& secret)
    : net::ServiceConnection(
          net::clientOptionsOf(settings, static_cast<int>(settings.concurrency)),
          authSettings(settings, secret),
          {{"Accept", "application/json"}, {"OData-MaxVersion", "4.0"}, {"OData-Version", "4.0"}}),
      m_settings(settings) {}

}  // namespace ferry::odata
