// Connection strings: ODBC strings pass through; the SQL Server ADO.NET form is translated.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "ferry/connection_string.h"
#include "ferry/provider.h"

namespace ferry::odbc {

// What is installed on this machine (SQLDrivers / SQLDataSources), passed in so that the
// translation is plain text in, text out, and testable without drivers.
struct DriverCatalog {
    std::vector<std::string> drivers;                              // "PostgreSQL Unicode", ...
    std::vector<std::pair<std::string, std::string>> dataSources;  // DSN name -> driver
    bool windows = false;
};

// The catalog of this machine.
DriverCatalog installedDrivers();

struct TranslatedConnection {
    std::string text;      // the ODBC connection string to hand to SQLDriverConnect
    std::string redacted;  // the same with secrets replaced by "***" (for logs and messages)
    std::string driver;    // the driver named (or the DSN's driver); empty when unknown
    std::string dsn;
    std::string server;     // for messages: "sql01\SALES", "127.0.0.1"
    std::string user;       // for messages: "authentication failed for user 'x'"
    bool adoNet = false;    // the input was the SQL Server ADO.NET form
    bool postgres = false;  // psqlodbc: streaming options were added
};

// Translates a connection string for the installed drivers:
// - a string with Driver= or DSN= (or FileDSN=) is an ODBC string and passes through, with
//   `password` added as PWD when it names no password, and, for psqlodbc, the Unicode driver
//   and streaming reads (UseDeclareFetch=1;Fetch=<pageSize>) unless the user set them;
// - anything else is the SQL Server ADO.NET form (`Data Source=sql01;Initial Catalog=crm;
//   Trusted_Connection=True;` / `User ID=…;Password=…`) and becomes a string for FreeTDS on
//   Linux (`Driver=FreeTDS;Server=…;Port=1433;Database=…;TDS_Version=7.4;UID=…;PWD=…`) or the
//   Microsoft ODBC Driver 18/17 (preferred on Windows, and on Linux when FreeTDS is missing).
// Throws Error{InvalidConnectionString} naming the problem (e.g. no server in an ADO.NET form).
TranslatedConnection translateConnectionString(const ConnectionString& input,
                                               const std::string& password,
                                               const DriverCatalog& catalog, std::size_t pageSize);

// Serializes key/value pairs the ODBC way: Driver values and values with ; { } = or edge
// spaces in braces, '}' doubled inside.
std::string toOdbcString(const std::vector<std::pair<std::string, std::string>>& entries);

// The keys the provider declares (Driver, DSN, Server, ..., the ADO.NET spellings).
std::vector<ConnectionKey> connectionKeys();

}  // namespace ferry::odbc
