#!/usr/bin/env bash
# Builds ferry_bench_sql (Release, in build-bench/) and runs it for 100,000 and 1,000,000 rows
# against a throwaway PostgreSQL server, one process per row count (peak RSS is per process).
#   bench/run.sh [ROWS ...] [BENCH OPTIONS ...]
#   e.g. bench/run.sh                      100000 and 1000000 rows
#        bench/run.sh 20000 --edit         20000 rows, plus the rerun after editing 0.1%
#        bench/run.sh --batch-size 500     options go to every ferry_bench_sql run
# Environment: FERRY_BENCH_BUILD_DIR (default build-bench), FERRY_BENCH_JOBS (default 2).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FERRY_BENCH_BUILD_DIR:-$root/build-bench}
jobs=${FERRY_BENCH_JOBS:-2}

rows=()
options=()
for arg in "$@"; do
    if [[ "$arg" =~ ^[0-9]+$ && ${#options[@]} -eq 0 ]]; then
        rows+=("$arg")
    else
        options+=("$arg")
    fi
done
[[ ${#rows[@]} -gt 0 ]] || rows=(100000 1000000)

generator=()
command -v ninja >/dev/null 2>&1 && [[ ! -f "$build/CMakeCache.txt" ]] && generator=(-G Ninja)
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DFERRY_BUILD_BENCH=ON -DFERRY_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target ferry_bench_sql -j "$jobs"

pgdir=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-pg.XXXXXX")
trap '"$root/scripts/pg-test-server.sh" stop "$pgdir"' EXIT
"$root/scripts/pg-test-server.sh" start "$pgdir"
connection=$(head -n 1 "$pgdir/connection.txt")

echo "ferry bench on $(nproc) cores, $(uname -sr), $(date -u '+%Y-%m-%d %H:%M UTC')"
status=0
for n in "${rows[@]}"; do
    echo
    "$build/bin/ferry_bench_sql" --rows "$n" --pg "$connection" "${options[@]}" || status=$?
done
exit "$status"
