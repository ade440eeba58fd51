// Connection strings: ODBC strings pass through; the SQL Server ADO.NET form is translated.
#include "odbc_connection_string.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "ferry/error.h"
#include "odbc_handles.h"

namespace ferry::odbc {

namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t");
    return std::string(text.substr(first, last - first + 1));
}

bool containsIgnoreCase(std::string_view haystack, std::string_view needle) {
    return lower(haystack).find(lower(needle)) != std::string::npos;
}

bool anyKey(const ConnectionString& input, std::initializer_list<std::string_view> keys) {
    return std::any_of(keys.begin(), keys.end(),
                       [&input](std::string_view key) { return input.has(key); });
}

std::optional<std::string> firstOf(const ConnectionString& input,
                                   std::initializer_list<std::string_view> keys) {
    for (const auto key : keys) {
        if (auto value = input.get(key)) {
            return value;
        }
    }
    return std::nullopt;
}

bool isTrue(std::string_view value) {
    const std::string v = lower(trim(value));
    return v == "true" || v == "yes" || v == "sspi" || v == "1" || v == "mandatory" ||
           v == "strict";
}

void setEntry(Entries& entries, std::string_view key, std::string value) {
    for (auto& [name, existing] : entries) {
        if (equalsIgnoreCase(name, key)) {
            existing = std::move(value);
            return;
        }
    }
    entries.emplace_back(std::string(key), std::move(value));
}

bool hasEntry(const Entries& entries, std::string_view key) {
    return std::any_of(entries.begin(), entries.end(),
                       [key](const auto& entry) { return equalsIgnoreCase(entry.first, key); });
}

const std::vector<std::string> kSecretKeys = {"PWD", "Password"};

// Drivers in order of preference for SQL Server on this platform.
std::string pickSqlServerDriver(const DriverCatalog& catalog, bool& freeTds) {
    const auto installed = [&catalog](std::string_view name) {
        return std::any_of(
            catalog.drivers.begin(), catalog.drivers.end(),
            [name](const std::string& driver) { return equalsIgnoreCase(driver, name); });
    };
    const std::vector<std::string> microsoft = {"ODBC Driver 18 for SQL Server",
                                                "ODBC Driver 17 for SQL Server"};
    std::vector<std::string> order;
    if (catalog.windows) {
        order = microsoft;
        order.emplace_back("FreeTDS");
    } else {
        order = {"FreeTDS"};
        order.insert(order.end(), microsoft.begin(), microsoft.end());
    }
    for (const auto& name : order) {
        if (installed(name)) {
            freeTds = name == "FreeTDS";
            return name;
        }
    }
    // Nothing installed: name the platform's usual driver; connecting then fails with IM002
    // and the error lists what is installed.
    freeTds = !catalog.windows;
    return catalog.windows ? microsoft.front() : std::string("FreeTDS");
}

struct DataSource {
    std::string host;
    std::string instance;
    std::string port;
    bool tcpPrefix = false;
};

// "sql01", "sql01\SALES", "tcp:sql01,1433", "(local)", ".\SQLEXPRESS", "np:sql01".
DataSource parseDataSource(std::string text) {
    DataSource source;
    text = trim(text);
    const std::string lowered = lower(text);
    for (const std::string_view prefix : {"tcp:", "np:", "lpc:", "admin:"}) {
        if (lowered.compare(0, prefix.size(), prefix) == 0) {
            source.tcpPrefix = prefix == "tcp:";
            text.erase(0, prefix.size());
            break;
        }
    }
    if (const auto comma = text.find(','); comma != std::string::npos) {
        source.port = trim(text.substr(comma + 1));
        text.erase(comma);
    }
    if (const auto slash = text.find('\\'); slash != std::string::npos) {
        source.instance = trim(text.substr(slash + 1));
        text.erase(slash);
    }
    source.host = trim(text);
    return source;
}

TranslatedConnection translateAdoNet(const ConnectionString& input, const std::string& password,
                                     const DriverCatalog& catalog) {
    TranslatedConnection out;
    out.adoNet = true;
    const auto dataSource =
        firstOf(input, {"Data Source", "Server", "Address", "Addr", "Network Address"});
    if (!dataSource || trim(*dataSource).empty()) {
        throw Error(ErrorCode::InvalidConnectionString,
                    "the connection string names no server: add Data Source=<server> (or "
                    "Driver=<ODBC driver> for a plain ODBC connection string)",
                    {}, "e.g. Data Source=sql01;Initial Catalog=crm;Trusted_Connection=True;");
    }
    bool freeTds = false;
    out.driver = pickSqlServerDriver(catalog, freeTds);
    DataSource source = parseDataSource(*dataSource);
    out.server = trim(*dataSource);

    Entries entries;
    entries.emplace_back("Driver", out.driver);
    if (freeTds) {
        std::string host = source.host;
        if (host == "." || equalsIgnoreCase(host, "(local)") ||
            equalsIgnoreCase(host, "(localdb)")) {
            host = "localhost";
        }
        // FreeTDS resolves "host\instance" through the SQL Server Browser; a port goes apart.
        if (!source.instance.empty() && source.port.empty()) {
            entries.emplace_back("Server", host + "\\" + source.instance);
        } else {
            entries.emplace_back("Server", host);
            entries.emplace_back("Port", source.port.empty() ? std::string("1433") : source.port);
        }
    } else {
        std::string server = source.tcpPrefix ? "tcp:" + source.host : source.host;
        if (!source.instance.empty()) {
            server += "\\" + source.instance;
        }
        if (!source.port.empty()) {
            server += "," + source.port;
        }
        entries.emplace_back("Server", server);
    }
    if (auto database = firstOf(input, {"Initial Catalog", "Database"})) {
        entries.emplace_back("Database", trim(*database));
    }
    if (freeTds) {
        entries.emplace_back("TDS_Version", input.getOr("TDS_Version", "7.4"));
        entries.emplace_back("ClientCharset", "UTF-8");
    }

    const auto integrated = firstOf(input, {"Integrated Security", "Trusted_Connection"});
    const auto user = firstOf(input, {"User ID", "UserID", "User", "UID", "User Name"});
    if (integrated && isTrue(*integrated) && !user) {
        entries.emplace_back("Trusted_Connection", "Yes");
    } else {
        if (user) {
            out.user = trim(*user);
            entries.emplace_back("UID", out.user);
        }
        if (auto pwd = firstOf(input, {"Password", "PWD"})) {
            entries.emplace_back("PWD", *pwd);
        } else if (!password.empty()) {
            entries.emplace_back("PWD", password);
        }
    }

    if (auto encrypt = input.get("Encrypt")) {
        const std::string value = lower(trim(*encrypt));
        if (freeTds) {
            entries.emplace_back("Encryption", isTrue(value) ? "require" : "request");
        } else if (value == "strict") {
            entries.emplace_back("Encrypt", "strict");
        } else {
            entries.emplace_back("Encrypt", isTrue(value) ? "yes" : "no");
        }
    }
    if (auto trust = input.get("TrustServerCertificate"); trust && !freeTds) {
        entries.emplace_back("TrustServerCertificate", isTrue(*trust) ? "yes" : "no");
    }
    if (auto app = firstOf(input, {"Application Name", "App"})) {
        entries.emplace_back("APP", *app);
    }
    if (!freeTds) {
        if (auto intent = input.get("ApplicationIntent")) {
            entries.emplace_back("ApplicationIntent", *intent);
        }
        if (auto failover = input.get("MultiSubnetFailover")) {
            entries.emplace_back("MultiSubnetFailover", isTrue(*failover) ? "Yes" : "No");
        }
    }

    // ADO.NET keys with no ODBC meaning are dropped; anything else passes to the driver.
    static const std::vector<std::string_view> handled = {"Data Source",
                                                          "Server",
                                                          "Address",
                                                          "Addr",
                                                          "Network Address",
                                                          "Initial Catalog",
                                                          "Database",
                                                          "Integrated Security",
                                                          "Trusted_Connection",
                                                          "User ID",
                                                          "UserID",
                                                          "User",
                                                          "UID",
                                                          "User Name",
                                                          "Password",
                                                          "PWD",
                                                          "Encrypt",
                                                          "TrustServerCertificate",
                                                          "Application Name",
                                                          "App",
                                                          "ApplicationIntent",
                                                          "MultiSubnetFailover",
                                                          "TDS_Version",
                                                          "Persist Security Info",
                                                          "PersistSecurityInfo",
                                                          "Pooling",
                                                          "Min Pool Size",
                                                          "Max Pool Size",
                                                          "MultipleActiveResultSets",
                                                          "Connect Timeout",
                                                          "Connection Timeout",
                                                          "Timeout",
                                                          "Connection Lifetime",
                                                          "Load Balance Timeout",
                                                          "Packet Size",
                                                          "Connect Retry Count",
                                                          "Connect Retry Interval",
                                                          "Workstation ID",
                                                          "Enlist",
                                                          "Current Language",
                                                          "Type System Version",
                                                          "Column Encryption Setting"};
    for (const auto& [key, value] : input.entries()) {
        const bool known =
            std::any_of(handled.begin(), handled.end(),
                        [&key](std::string_view name) { return equalsIgnoreCase(name, key); });
        if (!known && !hasEntry(entries, key)) {
            entries.emplace_back(key, value);
        }
    }
    if (containsIgnoreCase(out.driver, "sqlite") && !input.has("StepAPI")) {
        // Step through results instead of sqlite3_get_table(), which holds the whole result in
        // memory (hundreds of MB for a million rows).
        entries.emplace_back("StepAPI", "1");
    }

    out.text = toOdbcString(entries);
    for (auto& entry : entries) {
        if (equalsIgnoreCase(entry.first, "PWD")) {
            entry.second = "***";
        }
    }
    out.redacted = toOdbcString(entries);
    return out;
}

bool isPostgresDriver(std::string_view driver) {
    return containsIgnoreCase(driver, "postgres") || containsIgnoreCase(driver, "psqlodbc");
}

}  // namespace

DriverCatalog installedDrivers() {
    DriverCatalog catalog;
    catalog.drivers = Environment::instance().drivers();
    catalog.dataSources = Environment::instance().dataSources();
#ifdef _WIN32
    catalog.windows = true;
#endif
    return catalog;
}

std::string toOdbcString(const Entries& entries) {
    std::string out;
    for (const auto& [key, value] : entries) {
        const bool braces = equalsIgnoreCase(key, "Driver") ||
                            value.find_first_of(";{}=") != std::string::npos ||
                            (!value.empty() && (value.front() == ' ' || value.back() == ' '));
        out += key;
        out += '=';
        if (braces) {
            out += '{';
            for (const char c : value) {
                out += c;
                if (c == '}') {
                    out += '}';
                }
            }
            out += '}';
        } else {
            out += value;
        }
        out += ';';
    }
    return out;
}

TranslatedConnection translateConnectionString(const ConnectionString& input,
                                               const std::string& password,
                                               const DriverCatalog& catalog, std::size_t pageSize) {
    if (input.entries().empty()) {
        throw Error(ErrorCode::InvalidConnectionString, "the connection string is empty", {},
                    "e.g. Driver={PostgreSQL Unicode};Server=db01;Database=crm;Uid=ferry; or "
                    "Data Source=sql01;Initial Catalog=crm;Trusted_Connection=True;");
    }
    if (!anyKey(input, {"Driver", "DSN", "FileDSN"})) {
        return translateAdoNet(input, password, catalog);
    }

    TranslatedConnection out;
    Entries entries = input.entries();
    out.driver = trim(input.getOr("Driver", ""));
    if (!out.driver.empty() && out.driver.front() == '{' && out.driver.back() == '}') {
        out.driver = out.driver.substr(1, out.driver.size() - 2);
    }
    out.dsn = trim(input.getOr("DSN", ""));
    if (out.driver.empty() && !out.dsn.empty()) {
        for (const auto& [name, driver] : catalog.dataSources) {
            if (equalsIgnoreCase(name, out.dsn)) {
                out.driver = driver;
            }
        }
    }
    out.server = trim(input.getOr("Server", input.getOr("Servername", input.getOr("Host", ""))));
    if (out.server.empty()) {
        out.server = trim(input.getOr("Database", ""));  // SQLite: the file is the "server"
    }
    if (auto user = firstOf(input, {"UID", "User ID", "User", "Username"})) {
        out.user = trim(*user);
    }
    if (!password.empty() && !anyKey(input, {"PWD", "Password"})) {
        entries.emplace_back("PWD", password);
    }

    if (isPostgresDriver(out.driver)) {
        out.postgres = true;
        // The ANSI driver converts through the client encoding; the Unicode one keeps text exact.
        if (input.has("Driver") && containsIgnoreCase(out.driver, "ansi")) {
            for (const auto& name : catalog.drivers) {
                if (isPostgresDriver(name) && containsIgnoreCase(name, "unicode")) {
                    setEntry(entries, "Driver", name);
                    out.driver = name;
                    break;
                }
            }
        }
        // Stream reads with a server-side cursor instead of buffering the whole result.
        if (!input.has("UseDeclareFetch")) {
            entries.emplace_back("UseDeclareFetch", "1");
        }
        if (!input.has("Fetch")) {
            entries.emplace_back("Fetch", std::to_string(std::max<std::size_t>(pageSize, 100)));
        }
        // Booleans as SQL_BIT (the driver's default reports them as characters).
        if (!input.has("BoolsAsChar")) {
            entries.emplace_back("BoolsAsChar", "0");
        }
        // True column sizes: by default an unconstrained varchar claims 255 characters and text
        // 8190, which would both truncate reads and invent length limits. With these, varchar(n)
        // reports n, varchar PostgreSQL's maximum, and text no size (read in chunks).
        if (!input.has("MaxVarcharSize")) {
            entries.emplace_back("MaxVarcharSize", "10485760");
        }
        if (!input.has("MaxLongVarcharSize")) {
            entries.emplace_back("MaxLongVarcharSize", "0");
        }
        // Debian's odbcinst.ini turns the communication log on: one file in /tmp per connection.
        if (!input.has("CommLog")) {
            entries.emplace_back("CommLog", "0");
        }
    }

    if (containsIgnoreCase(out.driver, "sqlite") && !input.has("StepAPI")) {
        // Step through results instead of sqlite3_get_table(), which holds the whole result in
        // memory (hundreds of MB for a million rows).
        entries.emplace_back("StepAPI", "1");
    }

    out.text = toOdbcString(entries);
    for (auto& entry : entries) {
        const bool secret = std::any_of(
            kSecretKeys.begin(), kSecretKeys.end(),
            [&entry](const std::string& key) { return equalsIgnoreCase(key, entry.first); });
        if (secret) {
            entry.second = "***";
        }
    }
    out.redacted = toOdbcString(entries);
    return out;
}

std::vector<ConnectionKey> connectionKeys() {
    const std::vector<std::string> yesNo = {"True", "False", "Yes", "No"};
    std::vector<ConnectionKey> keys;
    keys.push_back({"Driver",
                    "The ODBC driver, e.g. {PostgreSQL Unicode}, SQLite3, {ODBC Driver 18 "
                    "for SQL Server} or FreeTDS.",
                    false,
                    false,
                    {},
                    {}});
    keys.push_back({"DSN",
                    "A data source configured in the ODBC administrator (odbc.ini).",
                    false,
                    false,
                    {},
                    {}});
    keys.push_back({"Server",
                    "Host name or address of the database server.",
                    false,
                    false,
                    {},
                    {"Host", "Servername"}});
    keys.push_back({"Port", "TCP port of the database server.", false, false, {}, {}});
    keys.push_back(
        {"Database", "Database name (SQLite: the database file).", false, false, {}, {}});
    keys.push_back({"Uid", "User name.", false, false, {}, {"Username"}});
    keys.push_back({"Pwd",
                    "Password; kept in the credential store, not in the connection.",
                    false,
                    true,
                    {},
                    {}});
    keys.push_back({"Data Source",
                    "SQL Server (ADO.NET form): server, server\\instance or "
                    "tcp:server,port.",
                    false,
                    false,
                    {},
                    {"Address", "Addr", "Network Address"}});
    keys.push_back(
        {"Initial Catalog", "SQL Server (ADO.NET form): database name.", false, false, {}, {}});
    keys.push_back({"User ID",
                    "SQL Server (ADO.NET form): SQL login name.",
                    false,
                    false,
                    {},
                    {"UserID", "User"}});
    keys.push_back({"Password",
                    "SQL Server (ADO.NET form): password; kept in the credential store.",
                    false,
                    true,
                    {},
                    {}});
    keys.push_back({"Trusted_Connection",
                    "SQL Server: Windows (Kerberos) authentication instead of a SQL login.",
                    false,
                    false,
                    {"True", "False", "Yes", "No", "SSPI"},
                    {"Integrated Security"}});
    keys.push_back({"Encrypt",
                    "SQL Server: encrypt the connection.",
                    false,
                    false,
                    {"True", "False", "Yes", "No", "Mandatory", "Optional", "Strict"},
                    {}});
    keys.push_back({"TrustServerCertificate",
                    "SQL Server: accept the server's certificate without validating it.",
                    false,
                    false,
                    yesNo,
                    {}});
    return keys;
}

}  // namespace ferry::odbc
