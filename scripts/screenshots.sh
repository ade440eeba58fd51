#!/usr/bin/env bash
# Takes the user guide's screenshots (docs/images/*.png): builds ferry-gui, creates the demo's
# sample SQLite databases (1,000 customer accounts and an empty copy, as scripts/demo.sh does),
# and runs the app under Xvfb with its hidden --screenshot-tour option, which walks the click
# path (new connection, both data entities, verify, preview, mappings, save, preview changes,
# run, history, Create Target's confirmation) and grabs the window at each step. Everything else lives in
# build/screenshots (FERRY_CONFIG_DIR / FERRY_DATA_DIR point there); your own connections are
# never touched. FERRY_BUILD_DIR picks another build folder; an argument picks another output.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-docs/images}
build=${FERRY_BUILD_DIR:-build}
if [[ -z "${FERRY_SKIP_DEPS:-}" ]]; then
    scripts/install-deps.sh
fi
if [[ ! -f "$build/CMakeCache.txt" ]]; then
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" --parallel "$(nproc)" --target ferry-gui
build=$(cd "$build" && pwd)

work="$build/screenshots"
rm -rf "$work"
mkdir -p "$work/config/connections" "$work/data" "$out"
export FERRY_CONFIG_DIR="$work/config"
export FERRY_DATA_DIR="$work/data"

source scripts/sample-customers.sh
create_sample_customers "$work/crm.db" "$work/warehouse.db"

echo "screenshots: running the tour under Xvfb into $out"
QT_QPA_PLATFORM=xcb xvfb-run --auto-servernum --server-args="-screen 0 1400x1000x24" \
    "$build/bin/ferry-gui" --screenshot-tour "$out" \
    --tour-left "Driver=SQLite3;Database=$work/crm.db;" \
    --tour-right "Driver=SQLite3;Database=$work/warehouse.db;"
ls -1 "$out"/*.png
