// The ODBC provider's registration entry (everything else in this folder is private).
#pragma once

#include "ferry/provider.h"

namespace ferry::odbc {

// Name "odbc", its connection-string keys and its factory.
ProviderInfo providerInfo();

}  // namespace ferry::odbc
