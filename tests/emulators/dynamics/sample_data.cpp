// Deterministic generated rows for the predefined tables (accounts, contacts, regions).
#include "sample_data.h"

#include <array>
#include <string>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace ferry::emulator {
namespace {

constexpr std::array kCompanies = {"Contoso", "Fabrikam",  "Northwind", "Adventure Works",
                                   "Litware", "Tailspin",  "Wingtip",   "Proseware",
                                   "Coho",    "Woodgrove", "Trey",      "Lucerne"};
constexpr std::array kSuffixes = {"Ltd",      "Inc",     "GmbH", "Group", "Holdings",
                                  "Partners", "Traders", "Labs", "SA",    "Co"};
constexpr std::array kCities = {"Seattle", "Redmond", "London",  "Paris",   "Berlin", "Madrid",
                                "Tokyo",   "Sydney",  "Toronto", "Chicago", "Zürich", "São Paulo"};
constexpr std::array kFirstNames = {"Yvonne", "Alex",  "Maria", "Chen", "Fatima", "Lars",
                                    "Priya",  "Jonas", "Emma",  "Omar", "Sofia",  "Kenji"};
constexpr std::array kLastNames = {"McKay",  "Smith",  "Garcia", "Wang",   "Haddad", "Nilsson",
                                   "Sharma", "Becker", "Rossi",  "Okafor", "Silva",  "Tanaka"};

// 2024-01-01T00:00:00Z: generated timestamps lie before it, so they never depend on the clock.
constexpr std::int64_t kBaseTime = 1704067200;
constexpr std::int64_t kYear = 365 * 86400;

Cell text(std::string value) {
    Cell c;
    c.null = false;
    c.s = std::move(value);
    return c;
}

Cell number(std::int64_t value) {
    Cell c;
    c.null = false;
    c.i = value;
    return c;
}

Cell id(const Guid& value) {
    Cell c;
    c.null = false;
    c.g = value;
    return c;
}

std::string lowerWord(std::string_view text) {
    std::string out;
    for (char c : text)
        if (c != ' ')
            out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
    return out;
}

std::string digits(std::uint64_t value, int width) {
    std::string s = std::to_string(value);
    return std::string(static_cast<std::size_t>(std::max(0, width - static_cast<int>(s.size()))),
                       '0') +
           s;
}

template <std::size_t N>
const char* pick(const std::array<const char*, N>& list, std::uint64_t random) {
    return list[random % N];
}

}  // namespace

void fillSampleData(EntityTable& accounts, EntityTable& contacts, EntityTable& regions,
                    const DynamicsOptions& options, std::uint64_t& version) {
    std::uint64_t state = options.seed * 0x2545F4914F6CDD1DULL + 17;
    auto random = [&] { return nextRandom(state); };
    auto col = [](const EntityTable& table, const char* name) { return table.columnIndex(name); };

    // Accounts.
    const int aName = col(accounts, "name"), aNumber = col(accounts, "accountnumber"),
              aPhone = col(accounts, "telephone1"), aMail = col(accounts, "emailaddress1"),
              aCity = col(accounts, "address1_city"), aDescription = col(accounts, "description"),
              aRevenue = col(accounts, "revenue"), aEmployees = col(accounts, "numberofemployees"),
              aHold = col(accounts, "creditonhold"), aIndustry = col(accounts, "industrycode"),
              aHoldTime = col(accounts, "lastonholdtime"),
              aParent = col(accounts, "parentaccountid"),
              aContact = col(accounts, "primarycontactid"), aState = col(accounts, "statecode"),
              aCreated = col(accounts, "createdon"), aModified = col(accounts, "modifiedon");
    const auto accountCount = static_cast<std::size_t>(std::max(0, options.accounts));
    std::vector<Guid> accountIds;
    accountIds.reserve(accountCount);
    accounts.reserve(accountCount);
    for (std::size_t i = 0; i < accountCount; ++i) {
        Guid key = Guid::fromRandom(state);
        while (accounts.find(key))
            key = Guid::fromRandom(state);
        accountIds.push_back(key);
        const std::uint32_t slot = accounts.insert(key);
        const char* company = pick(kCompanies, random());
        accounts.setCell(slot, aName,
                         text(std::string(company) + " " + pick(kSuffixes, random()) + " " +
                              std::to_string(i + 1)));
        accounts.setCell(slot, aNumber, text("ACC" + digits(i + 1, 7)));
        accounts.setCell(
            slot, aPhone,
            text("+1-555-0" + digits(random() % 1000, 3) + "-" + digits(random() % 10000, 4)));
        accounts.setCell(
            slot, aMail,
            text("info" + std::to_string(i + 1) + "@" + lowerWord(company) + ".example.com"));
        if (random() % 20 != 0)
            accounts.setCell(slot, aCity, text(pick(kCities, random())));
        const std::int64_t created = kBaseTime - static_cast<std::int64_t>(random() % (3 * kYear));
        const std::int64_t modified =
            std::min(kBaseTime, created + static_cast<std::int64_t>(random() % kYear));
        if (random() % 5 == 0)
            accounts.setCell(slot, aDescription,
                             text("Customer since " + formatDate(created / 86400).substr(0, 4) +
                                  ". Key account of the " + pick(kCities, random()) + " office."));
        if (random() % 10 != 0)  // revenue in whole cents, stored in 1/10000
            accounts.setCell(slot, aRevenue,
                             number(static_cast<std::int64_t>(random() % 1000000000ULL) * 100));
        if (random() % 10 != 0)
            accounts.setCell(slot, aEmployees,
                             number(static_cast<std::int64_t>(random() % 5000 + 1)));
        const bool onHold = random() % 10 == 0;
        accounts.setCell(slot, aHold, number(onHold ? 1 : 0));
        if (onHold)
            accounts.setCell(slot, aHoldTime, number(modified));
        if (random() % 5 != 0)
            accounts.setCell(slot, aIndustry, number(static_cast<std::int64_t>(random() % 5 + 1)));
        if (i > 10 && random() % 10 == 0)
            accounts.setCell(slot, aParent, id(accountIds[random() % i]));
        accounts.setCell(slot, aState, number(random() % 20 == 0 ? 1 : 0));
        accounts.setCell(slot, aCreated, number(created));
        accounts.setCell(slot, aModified, number(modified));
        accounts.setVersion(slot, ++version);
    }

    // Contacts, each under an account.
    const int cFirst = col(contacts, "firstname"), cLast = col(contacts, "lastname"),
              cFull = col(contacts, "fullname"), cMail = col(contacts, "emailaddress1"),
              cBirth = col(contacts, "birthdate"), cParent = col(contacts, "parentcustomerid"),
              cState = col(contacts, "statecode"), cCreated = col(contacts, "createdon"),
              cModified = col(contacts, "modifiedon");
    const auto contactCount = static_cast<std::size_t>(std::max(0, options.contacts));
    std::vector<Guid> contactIds;
    contactIds.reserve(contactCount);
    contacts.reserve(contactCount);
    for (std::size_t i = 0; i < contactCount; ++i) {
        Guid key = Guid::fromRandom(state);
        while (contacts.find(key))
            key = Guid::fromRandom(state);
        contactIds.push_back(key);
        const std::uint32_t slot = contacts.insert(key);
        const std::string first = pick(kFirstNames, random());
        const std::string last = pick(kLastNames, random());
        contacts.setCell(slot, cFirst, text(first));
        contacts.setCell(slot, cLast, text(last));
        contacts.setCell(slot, cFull, text(first + " " + last));
        contacts.setCell(slot, cMail,
                         text(lowerWord(first) + "." + lowerWord(last) + std::to_string(i + 1) +
                              "@example.com"));
        if (random() % 10 < 7)
            contacts.setCell(slot, cBirth,
                             number(daysFromCivil(1950, 1, 1) +
                                    static_cast<std::int64_t>(random() % (50 * 365))));
        if (!accountIds.empty())
            contacts.setCell(slot, cParent, id(accountIds[random() % accountIds.size()]));
        contacts.setCell(slot, cState, number(0));
        const std::int64_t created = kBaseTime - static_cast<std::int64_t>(random() % (2 * kYear));
        contacts.setCell(slot, cCreated, number(created));
        contacts.setCell(slot, cModified, number(created));
        contacts.setVersion(slot, ++version);
    }
    // A third of the accounts name one of their contacts as primary contact.
    if (!contactIds.empty()) {
        for (std::size_t i = 0; i < accountIds.size(); ++i) {
            if (random() % 3 != 0)
                continue;
            const auto slot = *accounts.find(accountIds[i]);
            accounts.setCell(slot, aContact, id(contactIds[random() % contactIds.size()]));
        }
    }

    // Regions.
    const std::array<std::pair<const char*, const char*>, 5> kRegions = {
        {{"North America", "NA"},
         {"Europe", "EU"},
         {"Asia Pacific", "APAC"},
         {"Latin America", "LATAM"},
         {"Middle East and Africa", "MEA"}}};
    const int rName = col(regions, "new_name"), rCode = col(regions, "new_code"),
              rCreated = col(regions, "createdon"), rModified = col(regions, "modifiedon");
    for (const auto& [name, code] : kRegions) {
        const std::uint32_t slot = regions.insert(Guid::fromRandom(state));
        regions.setCell(slot, rName, text(name));
        regions.setCell(slot, rCode, text(code));
        regions.setCell(slot, rCreated, number(kBaseTime));
        regions.setCell(slot, rModified, number(kBaseTime));
        regions.setVersion(slot, ++version);
    }
    // Generated in random key order; served in key order.
    accounts.clusterByKey();
    contacts.clusterByKey();
    regions.clusterByKey();
#if defined(__GLIBC__)
    malloc_trim(0);  // hand back what the clustering's copies freed (the emulator's RSS)
#endif
}

}  // namespace ferry::emulator
