// The `ferry` command line as a library: parses the arguments, runs one command, returns the
// process exit code (see exit_codes.h).
#pragma once

#include <istream>
#include <ostream>
#include <string>
#include <vector>

namespace ferry::cli {

// `args` excludes the program name. Never throws: every failure becomes a message on `err` and
// an exit code. `errIsTerminal` enables progress lines on `err`.
int runCli(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
           std::ostream& err, bool errIsTerminal = false);

// "0.1.0"
const char* version();

}  // namespace ferry::cli
