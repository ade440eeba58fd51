// SharePoint connection-string keys, their validation, and the HTTP stack of one provider.
#include "sharepoint_connection.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "ferry/error.h"

namespace ferry::sharepoint {

namespace {

using net::positiveNumberKey;

Error invalid(std::string message, std::string hint = {}) {
    return net::invalidConnectionString(std::move(message), std::move(hint));
}

}  // namespace

std::vector<ConnectionKey> connectionKeys() {
    const std::vector<std::string> trueFalse = {"true", "false", "yes", "no", "1", "0"};
    std::vector<ConnectionKey> keys;
    keys.push_back({"URL",
                    "The list's address as the browser shows it: a view "
                    "(https://contoso.sharepoint.com/sites/sales/Lists/Accounts/AllItems.aspx), "
                    "the list (…/Lists/Accounts), or the site together with List=<title>.",
                    true,
                    false,
                    {},
                    {"Url", "SiteUrl"}});
    keys.push_back({"List",
                    "The list's title, when URL names the site (e.g. List=Accounts).",
                    false,
                    false,
                    {},
                    {"ListTitle"}});
    keys.push_back({"Authentication",
                    "Microsoft_Modern (OAuth2 sign-in with User and password, or app-only with "
                    "ClientId and CertificateFile), client_certificate (app-only: ClientId and "
                    "CertificateFile; SharePoint refuses app-only client secrets), bearer (the "
                    "password is an access token), none (a test server). Default: "
                    "Microsoft_Modern.",
                    false,
                    false,
                    {"Microsoft_Modern", "client_certificate", "bearer", "none"},
                    {}});
    keys.push_back({"User",
                    "The user name for Microsoft_Modern sign-in, e.g. admin@contoso.com.",
                    false,
                    false,
                    {},
                    {"Username", "UserName"}});
    keys.push_back({"ClientId",
                    "The application (client) id registered in Microsoft Entra ID with "
                    "SharePoint permissions.",
                    false,
                    false,
                    {},
                    {"AppId"}});
    keys.push_back({"CertificateFile",
                    "App-only: a PEM file with the application's certificate and private key; "
                    "its password, if any, goes in the password field.",
                    false,
                    false,
                    {},
                    {}});
    keys.push_back({"TenantId",
                    "The Entra ID tenant (GUID or domain, e.g. contoso.onmicrosoft.com).",
                    false,
                    false,
                    {},
                    {}});
    keys.push_back({"Authority",
                    "Where tokens come from, e.g. https://login.microsoftonline.com/<tenant>.",
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
        {"Scope", "The OAuth2 scope. Default: <tenant origin>/.default.", false, false, {}, {}});
    keys.push_back({"PageSize",
                    "Items per page (default and maximum 5000, the list view threshold).",
                    false,
                    false,
                    {},
                    {}});
    keys.push_back({"BatchSize",
                    "Write operations per $batch request (default and maximum 100).",
                    false,
                    false,
                    {},
                    {}});
    keys.push_back({"Concurrency",
                    "$batch requests in flight at once (default 4, at most 16). Each write "
                    "round holds up to BatchSize × Concurrency items; lower it when SharePoint "
                    "throttles (HTTP 429/503).",
                    false,
                    false,
                    {},
                    {}});
    keys.push_back({"OriginField",
                    "The internal name of a hidden text field where Ferry notes which source "
                    "record each item it inserts came from, so that a run interrupted after "
                    "SharePoint created items (but before Ferry recorded them) finds them again "
                    "instead of inserting duplicates. Ferry adds the field to the list on the "
                    "first insert. Default: FerryOrigin; none turns this off.",
                    false,
                    false,
                    {},
                    {}});
    keys.push_back(
        {"Timeout", "Seconds to wait for one HTTP request (default 120).", false, false, {}, {}});
    keys.push_back({"VerifyTls",
                    "Check the server's TLS certificate (default true).",
                    false,
                    false,
                    trueFalse,
                    {}});
    return keys;
}

ConnectionSettings parseConnectionSettings(const ConnectionString& cs) {
    ConnectionSettings settings;
    const std::string url = cs.getOr("URL", cs.getOr("SiteUrl", ""));
    if (url.empty()) {
        throw invalid("the connection string has no URL",
                      "add URL=<list address>, e.g. URL=https://contoso.sharepoint.com/sites/"
                      "sales/Lists/Accounts/AllItems.aspx");
    }
    settings.location = resolveListLocation(url, cs.getOr("List", cs.getOr("ListTitle", "")));

    net::readSignInKeys(cs, settings);
    settings.certificateFile = cs.getOr("CertificateFile", "");
    settings.authName = cs.getOr("Authentication", "Microsoft_Modern");
    const std::string method = net::asciiLower(settings.authName);
    if (method == "microsoft_modern" || method == "microsoft_modern_crm" || method == "password") {
        if (!settings.user.empty()) {
            settings.auth = net::AuthMethod::Password;
        } else if (!settings.certificateFile.empty()) {
            settings.auth = net::AuthMethod::ClientCertificate;
        } else {
            throw invalid("Authentication=" + settings.authName + " needs a User",
                          "add User=<name>, e.g. User=admin@contoso.com (or ClientId and "
                          "CertificateFile for app-only access)");
        }
    } else if (method == "client_certificate" || method == "certificate") {
        settings.auth = net::AuthMethod::ClientCertificate;
    } else if (method == "bearer") {
        settings.auth = net::AuthMethod::Bearer;
    } else if (method == "none") {
        settings.auth = net::AuthMethod::None;
    } else if (method == "client_credentials") {
        throw invalid("Authentication=client_credentials cannot be used with SharePoint",
                      "SharePoint refuses app-only tokens got with a client secret: use "
                      "client_certificate with ClientId and CertificateFile");
    } else {
        throw invalid("Authentication '" + settings.authName + "' is not known",
                      "use Microsoft_Modern, client_certificate, bearer or none");
    }
    if (settings.auth == net::AuthMethod::ClientCertificate &&
        (settings.clientId.empty() || settings.certificateFile.empty())) {
        throw invalid("app-only access with a certificate needs ClientId and CertificateFile",
                      "add ClientId=<application id>;CertificateFile=<path to the PEM file>");
    }
    settings.pageSize = positiveNumberKey(cs, "PageSize", 5000, 5000);
    settings.batchSize = positiveNumberKey(cs, "BatchSize", 100, 100);
    settings.concurrency = positiveNumberKey(cs, "Concurrency", 4, 16);
    settings.timeout = std::chrono::seconds(positiveNumberKey(cs, "Timeout", 120, 86400));
    settings.verifyTls = net::booleanKey(cs, "VerifyTls", true);
    settings.originField = cs.getOr("OriginField", "FerryOrigin");
    if (net::asciiLower(settings.originField) == "none") {
        settings.originField.clear();
    } else {
        const bool plain =
            !settings.originField.empty() && settings.originField.size() <= 32 &&
            std::isalpha(static_cast<unsigned char>(settings.originField.front())) != 0 &&
            std::all_of(settings.originField.begin(), settings.originField.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
            });
        if (!plain) {
            throw invalid("OriginField '" + settings.originField + "' is not a field name",
                          "use letters, digits and '_' (at most 32, starting with a letter), "
                          "e.g. OriginField=FerryOrigin, or OriginField=none");
        }
    }
    return settings;
}

net::AuthSettings authSettings(const ConnectionSettings& settings, const std::string& secret) {
    net::AuthSettings auth = net::authSettingsOf(settings, secret);
    auth.certificateFile = settings.certificateFile;
    auth.resource = settings.location.origin;
    auth.discoveryUrl = settings.location.siteUrl() + "/_api/web";
    return auth;
}

namespace {

net::HttpClientOptions clientOptions(const ConnectionSettings& settings) {
    net::HttpClientOptions options =
        net::clientOptionsOf(settings, static_cast<int>(settings.concurrency));
    // Decorated traffic is prioritised over undecorated traffic when SharePoint throttles.
    options.userAgent = "NONISV|Ferry|Ferry/0.1";
    return options;
}

}  // namespace

Connection::Connection(const ConnectionSettings& settings, const std::string& secret)
    : net::ServiceConnection(clientOptions(settings), authSettings(settings, secret),
                             {{"Accept", "application/json;odata=nometadata"}}),
      m_settings(settings) {}

std::string Connection::formDigest(bool renew) {
    const std::lock_guard lock(m_digestMutex);
    const auto now = std::chrono::steady_clock::now();
    if (!renew && !m_digest.empty() && now < m_digestExpires) {
        return m_digest;
    }
    net::HttpRequest request;
    request.method = "POST";
    request.url = m_settings.location.siteUrl() + "/_api/contextinfo";
    const net::HttpResponse response = send(std::move(request));
    const auto body = nlohmann::json::parse(response.body, nullptr, false);
    // Light formats give a flat object; verbose wraps it in d.GetContextWebInformation.
    const nlohmann::json* info = &body;
    if (body.is_object() && body.contains("d")) {
        info = &body["d"]["GetContextWebInformation"];
    }
    if (!response.ok() || !info->is_object() || !info->contains("FormDigestValue")) {
        throw Error(ErrorCode::ConnectionFailed,
                    "the site did not give a form digest for writing (HTTP " +
                        std::to_string(response.status) + ")",
                    {}, "check the site URL", response.status >= 500);
    }
    m_digest = (*info)["FormDigestValue"].get<std::string>();
    int seconds = 1800;
    if (info->contains("FormDigestTimeoutSeconds") &&
        (*info)["FormDigestTimeoutSeconds"].is_number_integer()) {
        seconds = (*info)["FormDigestTimeoutSeconds"].get<int>();
    }
    // Renew a minute early (or at half time for short timeouts), so a digest never expires
    // between being handed out and being used.
    const int margin = std::min(60, seconds / 2);
    m_digestExpires = now + std::chrono::seconds(seconds - margin);
    return m_digest;
}

}  // namespace ferry::sharepoint
