// The `ferry` executable: hands its arguments to ferry::cli::runCli (src/cli/cli.cpp).
#include <iostream>
#include <string>
#include <vector>

#ifdef _WIN32
#include <io.h>
#define FERRY_ISATTY _isatty
#define FERRY_STDERR_FILENO 2
#else
#include <unistd.h>
#define FERRY_ISATTY isatty
#define FERRY_STDERR_FILENO STDERR_FILENO
#endif

#include "cli.h"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    const bool errIsTerminal = FERRY_ISATTY(FERRY_STDERR_FILENO) != 0;
    const int code = ferry::cli::runCli(args, std::cin, std::cout, std::cerr, errIsTerminal);
    std::cout.flush();
    return code;
}
