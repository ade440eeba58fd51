// registerBuiltinProviders(): explicit registration of every provider compiled into Ferry.
#include "ferry/provider.h"
#include "odata/odata_provider.h"
#include "odbc/odbc_provider.h"
#include "sharepoint/sharepoint_provider.h"

namespace ferry {

void registerBuiltinProviders(ProviderRegistry& registry) {
    registry.add(odbc::providerInfo());
    registry.add(odata::providerInfo());
    registry.add(sharepoint::providerInfo());
}

}  // namespace ferry
