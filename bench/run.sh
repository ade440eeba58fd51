#!/usr/bin/env bash
# Builds a benchmark (Release, in build-bench/) and runs it for 100,000 and 1,000,000 rows
# against a throwaway PostgreSQL server, one process per row count (peak RSS is per process).
#   bench/run.sh [ROWS ...] [BENCH OPTIONS ...]         ferry_bench_sql (SQLite -> PostgreSQL)
#   bench/run.sh odata [ROWS ...] [BENCH OPTIONS ...]   ferry_bench_odata (Dynamics emulator)
#   bench/run.sh sharepoint [ROWS ...] [OPTIONS ...]    ferry_bench_sharepoint (Dynamics emulator
#                                                       -> SharePoint emulator; no PostgreSQL;
#                                                       10,000 and 100,000 accounts by default)
#   e.g. bench/run.sh                      100000 and 1000000 rows
#        bench/run.sh 20000 --edit         20000 rows, plus the rerun after editing 0.1%
#        bench/run.sh --batch-size 500     options go to every ferry_bench_sql run
#        bench/run.sh odata 20000          a quick run of every ferry_bench_odata step
#        bench/run.sh odata --steps first  options go to every ferry_bench_odata run
# Environment: FERRY_BENCH_BUILD_DIR (default build-bench), FERRY_BENCH_JOBS (default 2),
# FERRY_BENCH_REPEAT (runs per row count, default 1: the machine is shared, so repeat and take
# the median when the figures matter).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FERRY_BENCH_BUILD_DIR:-$root/build-bench}
jobs=${FERRY_BENCH_JOBS:-2}
repeat=${FERRY_BENCH_REPEAT:-1}

# ferry_bench_odata needs the Dynamics emulator library, which tests/ defines.
bench=ferry_bench_sql
tests=OFF
if [[ "${1:-}" == odata ]]; then
    bench=ferry_bench_odata
    tests=ON
    shift
elif [[ "${1:-}" == sharepoint ]]; then
    bench=ferry_bench_sharepoint
    tests=ON
    shift
fi

rows=()
options=()
for arg in "$@"; do
    if [[ "$arg" =~ ^[0-9]+$ && ${#options[@]} -eq 0 ]]; then
        rows+=("$arg")
    else
        options+=("$arg")
    fi
done
if [[ ${#rows[@]} -eq 0 ]]; then
    rows=(100000 1000000)
    [[ "$bench" != ferry_bench_sharepoint ]] || rows=(10000 100000)
fi

generator=()
command -v ninja >/dev/null 2>&1 && [[ ! -f "$build/CMakeCache.txt" ]] && generator=(-G Ninja)
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DFERRY_BUILD_BENCH=ON -DFERRY_BUILD_TESTS="$tests" -DFERRY_BUILD_GUI=OFF >/dev/null
cmake --build "$build" --target "$bench" -j "$jobs"

# ferry_bench_sharepoint starts its two emulators itself and needs no PostgreSQL.
pg=()
if [[ "$bench" != ferry_bench_sharepoint ]]; then
    pgdir=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-pg.XXXXXX")
    trap '"$root/scripts/pg-test-server.sh" stop "$pgdir"' EXIT
    "$root/scripts/pg-test-server.sh" start "$pgdir"
    pg=(--pg "$(head -n 1 "$pgdir/connection.txt")")
fi

echo "ferry bench on $(nproc) cores, $(uname -sr), $(date -u '+%Y-%m-%d %H:%M UTC')"
status=0
for n in "${rows[@]}"; do
    for ((i = 1; i <= repeat; i++)); do
        echo
        echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
        "$build/bin/$bench" --rows "$n" "${pg[@]}" "${options[@]}" || status=$?
    done
done
exit "$status"
