#!/usr/bin/env bash
# The README's first command: installs the packages, builds `ferry`, and synchronizes a sample
# SQLite database of 1,000 customer accounts into a second SQLite database through ODBC, then
# edits one source row and runs again to show an incremental run (1 updated, the rest unchanged).
# Everything lives in build/demo (FERRY_CONFIG_DIR / FERRY_DATA_DIR point there), so your own
# saved connections and state are never touched. FERRY_BUILD_DIR picks another build folder.
set -euo pipefail
cd "$(dirname "$0")/.."

bold=$'\e[1m'
reset=$'\e[0m'
if [[ ! -t 1 ]]; then bold="" reset=""; fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$reset"; }
show() {
    local shown="" arg
    for arg in "$@"; do
        if [[ "$arg" =~ [[:space:]\'] ]]; then shown+=" \"$arg\""; else shown+=" $arg"; fi
    done
    printf '%s$%s%s\n' "$bold" "$shown" "$reset"
    "$@"
}

step "Installing packages (scripts/install-deps.sh)"
scripts/install-deps.sh

build=${FERRY_BUILD_DIR:-build}
step "Building ferry into $build/"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --parallel "$(nproc)" --target ferry
build=$(cd "$build" && pwd)
ferry_bin="$build/bin/ferry"
ferry() { "$ferry_bin" "$@"; }

demo="$build/demo"
rm -rf "$demo"
mkdir -p "$demo/config/connections" "$demo/data"
export FERRY_CONFIG_DIR="$demo/config"
export FERRY_DATA_DIR="$demo/data"

step "Creating the sample database $demo/crm.db (1,000 customer accounts)"
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
sqlite3 "$demo/crm.db" <<SQL
CREATE TABLE customers $columns;
WITH RECURSIVE
    seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 1000),
    first_names(n, name) AS (VALUES (0, 'Zoë'), (1, 'Björn'), (2, 'Ana'), (3, 'Łukasz'),
        (4, 'Chloé'), (5, 'Jürgen'), (6, 'Søren'), (7, 'María'), (8, 'Ólafur'), (9, 'Akira'),
        (10, 'Émile'), (11, 'Grace')),
    last_names(n, name) AS (VALUES (0, 'Ångström'), (1, 'Núñez'), (2, 'Müller'),
        (3, 'O''Brien'), (4, 'Żółć'), (5, 'Dvořák'), (6, 'Østergaard'), (7, 'Lefèvre'),
        (8, '山田'), (9, 'Smith'), (10, 'Иванова'), (11, 'Çelik'), (12, 'Kowalski')),
    cities(n, name) AS (VALUES (0, 'Zürich'), (1, 'São Paulo'), (2, 'Kraków'),
        (3, 'Reykjavík'), (4, 'Montréal'), (5, '東京'), (6, 'Dublin'))
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
sqlite3 "$demo/warehouse.db" "CREATE TABLE customers $columns;"
echo "crm.db: $(sqlite3 "$demo/crm.db" 'SELECT count(*) FROM customers') rows;" \
    "warehouse.db: an empty table of the same shape"

step "Writing the connection document $FERRY_CONFIG_DIR/connections/demo-customers.json"
cat >"$FERRY_CONFIG_DIR/connections/demo-customers.json" <<JSON
{
  "title": "Demo customers",
  "direction": "left-to-right",
  "conflictResolution": "skip",
  "left": {
    "title": "CRM accounts (SQLite)",
    "provider": "odbc",
    "connectionString": "Driver=SQLite3;Database=$demo/crm.db;",
    "select": "SELECT * FROM customers",
    "primaryKey": ["id"]
  },
  "right": {
    "title": "Warehouse copy (SQLite)",
    "provider": "odbc",
    "connectionString": "Driver=SQLite3;Database=$demo/warehouse.db;",
    "select": "SELECT * FROM customers",
    "primaryKey": ["id"]
  },
  "mapping": { "auto": true }
}
JSON
cat "$FERRY_CONFIG_DIR/connections/demo-customers.json"

step "Checking both sides"
show ferry verify "Demo customers"

step "Previewing the source"
show ferry preview "Demo customers" --rows 5

step "First run: every account is copied"
show ferry run "Demo customers"

step "A few rows of the target, read with sqlite3"
sqlite3 -header -column "$demo/warehouse.db" \
    "SELECT id, account_number, name, city, balance, active, customer_since
     FROM customers ORDER BY id LIMIT 5;"

step "Editing one source row (account 42 moves to Tromsø) and running again"
show sqlite3 "$demo/crm.db" "UPDATE customers SET city = 'Tromsø' WHERE id = 42;"
report="$demo/second-run.json"
printf '%s$ ferry run "Demo customers" --json%s\n' "$bold" "$reset"
ferry run "Demo customers" --json | tee "$report"

# The demo checks itself: an incremental run writes exactly the one changed row.
json() { sqlite3 :memory: "SELECT json_extract(readfile('$report'), '$1');"; }
updated=$(json '$.right.updated')
inserted=$(json '$.right.inserted')
deleted=$(json '$.right.deleted')
unchanged=$(json '$.right.unchanged')
city=$(sqlite3 "$demo/warehouse.db" "SELECT city FROM customers WHERE id = 42;")
if [[ "$updated" != 1 || "$inserted" != 0 || "$deleted" != 0 || "$city" != "Tromsø" ]]; then
    echo "demo: expected 1 update and nothing else, got updated=$updated inserted=$inserted" \
        "deleted=$deleted, city of account 42 in the target: $city" >&2
    exit 1
fi
echo
echo "Incremental run: $updated updated, $unchanged unchanged; account 42 in the target: $city"

step "The saved connection and its runs"
show ferry list
show ferry history "Demo customers"

cat <<EOF

Done. The demo's files are in $demo. To keep exploring:
  export FERRY_CONFIG_DIR=$FERRY_CONFIG_DIR FERRY_DATA_DIR=$FERRY_DATA_DIR
  $ferry_bin --help
EOF
