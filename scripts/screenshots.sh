#!/usr/bin/env bash
# Takes the user guide's screenshots (docs/images/*.png): builds ferry-gui, creates the demo's
# sample SQLite databases (1,000 customer accounts and an empty copy, as scripts/demo.sh does),
# and runs the app under Xvfb with its hidden --screenshot-tour option, which walks the click
# path (new connection, both data entities, verify, preview, mappings, save, preview changes,
# run, history) and grabs the window at each step. Everything else lives in
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

columns="(
    id INTEGER PRIMARY KEY,
    account_number VARCHAR(20) NOT NULL,
    name VARCHAR(100) NOT NULL,
    email VARCHAR(200),
    city VARCHAR(60),
    balance NUMERIC(12,2),
    rating DOUBLE,
    active BOOLEAN,
    customer_since DATE,
    last_contact TIMESTAMP
)"
sqlite3 "$work/crm.db" <<SQL
CREATE TABLE customers $columns;
WITH RECURSIVE
    seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 1000),
    first_names(n, name) AS (VALUES (0, 'Zoë'), (1, 'Björn'), (2, 'Ana'), (3, 'Łukasz'),
        (4, 'Chloé'), (5, 'Jürgen'), (6, 'Søren'), (7, 'María'), (8, 'Ólafur'), (9, 'Akira'),
        (10, 'Émile'), (11, 'Grace')),
    last_names(n, name) AS (VALUES (0, 'Ångström'), (1, 'Núñez'), (2, 'Müller'),
        (3, 'O''Brien'), (4, 'Żółć'), (5, 'Dvořák'), (6, 'Østergaard'), (7, 'Lefèvre'),
        (8, 'Smith'), (9, 'Smith'), (10, 'Ivanova'), (11, 'Çelik'), (12, 'Kowalski')),
    cities(n, name) AS (VALUES (0, 'Zürich'), (1, 'São Paulo'), (2, 'Kraków'),
        (3, 'Reykjavík'), (4, 'Montréal'), (5, 'Tromsø'), (6, 'Dublin'))
INSERT INTO customers
SELECT i,
       printf('ACC-%05d', i),
       f.name || ' ' || l.name,
       CASE WHEN i % 9 = 0 THEN NULL ELSE 'customer' || i || '@example.com' END,
       c.name,
       (i * 7919 % 2500000) / 100.0,
       CASE WHEN i % 13 = 0 THEN NULL ELSE (i % 40) / 8.0 END,
       i % 5 <> 0,
       date('2015-01-01', '+' || (i * 3 % 3650) || ' days'),
       datetime('2025-01-01 08:00:00', '+' || (i * 104729 % 31536000) || ' seconds')
FROM seq
JOIN first_names f ON f.n = i % 12
JOIN last_names l ON l.n = (i * 7) % 13
JOIN cities c ON c.n = i % 7;
SQL
sqlite3 "$work/warehouse.db" "CREATE TABLE customers $columns;"

echo "screenshots: running the tour under Xvfb into $out"
QT_QPA_PLATFORM=xcb xvfb-run --auto-servernum --server-args="-screen 0 1400x1000x24" \
    "$build/bin/ferry-gui" --screenshot-tour "$out" \
    --tour-left "Driver=SQLite3;Database=$work/crm.db;" \
    --tour-right "Driver=SQLite3;Database=$work/warehouse.db;"
ls -1 "$out"/*.png
