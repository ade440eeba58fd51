// Connection-string translation of the ODBC provider, checked as text.
#include <gtest/gtest.h>

#include "ferry/error.h"
#include "odbc_connection_string.h"

namespace ferry::odbc {
namespace {

DriverCatalog linuxWith(std::vector<std::string> drivers) {
    DriverCatalog catalog;
    catalog.drivers = std::move(drivers);
    return catalog;
}

TranslatedConnection translate(const std::string& text, const DriverCatalog& catalog,
                               const std::string& password = {}) {
    return translateConnectionString(ConnectionString::parse(text), password, catalog, 5000);
}

TEST(OdbcConnectionString, AdoNetTrustedConnectionBecomesFreeTdsOnLinux) {
    const auto out = translate("Data Source=sql01;Initial Catalog=crm;Trusted_Connection=True;",
                               linuxWith({"FreeTDS", "PostgreSQL Unicode"}));
    EXPECT_TRUE(out.adoNet);
    EXPECT_EQ(out.text,
              "Driver={FreeTDS};Server=sql01;Port=1433;Database=crm;TDS_Version=7.4;"
              "ClientCharset=UTF-8;Trusted_Connection=Yes;");
}

TEST(OdbcConnectionString, AdoNetSqlLoginGetsThePasswordFromTheSettings) {
    const auto out = translate("Data Source=tcp:sql01,14330;Initial Catalog=crm;User ID=sync;",
                               linuxWith({"FreeTDS"}), "s3cret");
    EXPECT_EQ(out.text,
              "Driver={FreeTDS};Server=sql01;Port=14330;Database=crm;TDS_Version=7.4;"
              "ClientCharset=UTF-8;UID=sync;PWD=s3cret;");
    EXPECT_EQ(out.user, "sync");
    EXPECT_EQ(out.redacted.find("s3cret"), std::string::npos);
    EXPECT_NE(out.redacted.find("PWD=***"), std::string::npos);
}

TEST(OdbcConnectionString, NamedInstances) {
    const auto freeTds =
        translate("Data Source=sql01\\SALES;Initial Catalog=crm;User ID=u;Password=p;",
                  linuxWith({"FreeTDS"}));
    EXPECT_NE(freeTds.text.find("Server=sql01\\SALES;"), std::string::npos) << freeTds.text;
    EXPECT_EQ(freeTds.text.find("Port="), std::string::npos) << "the browser finds the port";
    EXPECT_NE(freeTds.text.find("PWD=p;"), std::string::npos);

    DriverCatalog windows = linuxWith({"SQL Server", "ODBC Driver 18 for SQL Server"});
    windows.windows = true;
    const auto msodbc = translate(
        "Data Source=sql01\\SALES;Initial Catalog=crm;Integrated Security=SSPI;"
        "Encrypt=True;TrustServerCertificate=True;",
        windows);
    EXPECT_EQ(msodbc.text,
              "Driver={ODBC Driver 18 for SQL Server};Server=sql01\\SALES;Database=crm;"
              "Trusted_Connection=Yes;Encrypt=yes;TrustServerCertificate=yes;");
    const auto port =
        translate("Server=tcp:sql01,1433;Database=crm;Encrypt=False;User ID=u;", windows);
    EXPECT_EQ(port.text,
              "Driver={ODBC Driver 18 for SQL Server};Server=tcp:sql01,1433;Database=crm;UID=u;"
              "Encrypt=no;");
}

TEST(OdbcConnectionString, MicrosoftDriverOnLinuxWhenFreeTdsIsMissing) {
    const auto out = translate("Data Source=(local);Initial Catalog=crm;Trusted_Connection=yes",
                               linuxWith({"ODBC Driver 17 for SQL Server"}));
    EXPECT_EQ(out.driver, "ODBC Driver 17 for SQL Server");
    const auto none =
        translate("Data Source=.;Initial Catalog=crm;Trusted_Connection=yes", linuxWith({}));
    EXPECT_EQ(none.driver, "FreeTDS") << "the platform default, so the error names it";
    EXPECT_NE(none.text.find("Server=localhost;"), std::string::npos) << none.text;
}

TEST(OdbcConnectionString, AdoNetWithoutServerIsRejected) {
    EXPECT_THROW(translate("Initial Catalog=crm;Trusted_Connection=True", linuxWith({"FreeTDS"})),
                 Error);
    EXPECT_THROW(translate("", linuxWith({})), Error);
}

TEST(OdbcConnectionString, PlainOdbcPassesThroughWithThePassword) {
    const auto out =
        translate("Driver=SQLite3;Database=/tmp/a b.db;", linuxWith({"SQLite3"}), "pw");
    EXPECT_FALSE(out.adoNet);
    EXPECT_EQ(out.text, "Driver={SQLite3};Database=/tmp/a b.db;PWD=pw;StepAPI=1;");
    const auto own = translate("Driver={X};Server=h;Uid=u;Pwd={a;b};", linuxWith({}), "other");
    EXPECT_EQ(own.text, "Driver={X};Server=h;Uid=u;Pwd={a;b};") << "the string's own password wins";
    EXPECT_EQ(own.redacted, "Driver={X};Server=h;Uid=u;Pwd=***;");
    EXPECT_EQ(own.user, "u");
}

TEST(OdbcConnectionString, SqliteStepsThroughResultsUnlessTheUserChose) {
    const auto catalog = linuxWith({"SQLite3"});
    EXPECT_EQ(translate("Driver=SQLite3;Database=a.db;", catalog).text,
              "Driver={SQLite3};Database=a.db;StepAPI=1;");
    EXPECT_EQ(translate("Driver=SQLite3;Database=a.db;StepAPI=0;", catalog).text,
              "Driver={SQLite3};Database=a.db;StepAPI=0;");
}

TEST(OdbcConnectionString, PostgresStreamsAndUsesTheUnicodeDriver) {
    const auto catalog = linuxWith({"PostgreSQL ANSI", "PostgreSQL Unicode"});
    const auto out = translate("Driver={PostgreSQL ANSI};Server=db;Database=crm;Uid=u;", catalog);
    EXPECT_TRUE(out.postgres);
    EXPECT_EQ(out.text,
              "Driver={PostgreSQL Unicode};Server=db;Database=crm;Uid=u;UseDeclareFetch=1;"
              "Fetch=5000;BoolsAsChar=0;MaxVarcharSize=10485760;MaxLongVarcharSize=0;CommLog=0;");
    const auto own = translate("Driver={PostgreSQL Unicode};UseDeclareFetch=0;Fetch=50;", catalog);
    EXPECT_NE(own.text.find("UseDeclareFetch=0;Fetch=50;"), std::string::npos) << own.text;
    EXPECT_EQ(own.text.find("UseDeclareFetch=1"), std::string::npos);

    DriverCatalog dsn = catalog;
    dsn.dataSources = {{"crm", "PostgreSQL Unicode"}};
    EXPECT_TRUE(translate("DSN=crm;", dsn).postgres);
}

TEST(OdbcConnectionString, BracesQuoteWhatNeedsQuoting) {
    EXPECT_EQ(toOdbcString({{"Driver", "SQLite3"}, {"Pwd", "a}b"}, {"X", " lead"}}),
              "Driver={SQLite3};Pwd={a}}b};X={ lead};");
}

TEST(OdbcConnectionString, DeclaresTheKnownKeys) {
    const auto keys = connectionKeys();
    const auto find = [&keys](const std::string& name) -> const ConnectionKey* {
        for (const auto& key : keys) {
            if (key.name == name) {
                return &key;
            }
        }
        return nullptr;
    };
    for (const char* name : {"Driver", "DSN", "Server", "Port", "Database", "Uid", "Pwd",
                             "Data Source", "Initial Catalog", "User ID", "Password",
                             "Trusted_Connection", "Encrypt", "TrustServerCertificate"}) {
        EXPECT_NE(find(name), nullptr) << name;
    }
    EXPECT_TRUE(find("Pwd")->secret);
    EXPECT_TRUE(find("Password")->secret);
    EXPECT_FALSE(find("Uid")->secret);
}

}  // namespace
}  // namespace ferry::odbc
