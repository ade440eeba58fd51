#!/usr/bin/env bash
# The README's test command: installs dependencies, builds, and runs every test with CTest.
# CTest itself starts and stops a throwaway PostgreSQL server for the tests that need one.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFERRY_WARNINGS_AS_ERRORS=ON
cmake --build build --parallel "$(nproc)"
ctest --test-dir build --output-on-failure --timeout 900 "$@"
