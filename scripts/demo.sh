#!/usr/bin/env bash
# The README's first command: installs the packages, builds Ferry, and runs a demo end to end.
#
#   scripts/demo.sh          seed 001: Dynamics 365 accounts (the local Dynamics Web API emulator,
#                            signed in with a user name and password through OAuth) into a SQL
#                            table (SQLite through ODBC): verify, preview the top 5 accounts, a
#                            first one-way run, then bi-directional with an edit on each side.
#   scripts/demo.sh --sql    1,000 customers from one SQLite database into another through ODBC,
#                            then an incremental run that updates exactly the one edited row.
#   scripts/demo.sh --sharepoint
#                            seed 000: Dynamics 365 accounts (the Dynamics emulator) into a custom
#                            SharePoint Online list "Accounts" (the SharePoint emulator) that
#                            `ferry create-target` makes, columns matched by auto mapping: verify,
#                            preview, a first one-way run, then bi-directional with an edit in CRM
#                            and one in SharePoint.
#
# Everything lives in build/demo (FERRY_CONFIG_DIR / FERRY_DATA_DIR point there), so your own
# saved connections and state are never touched. FERRY_BUILD_DIR picks another build folder.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=crm
case "${1:-}" in
    "") ;;
    --sql) mode=sql ;;
    --sharepoint) mode=sharepoint ;;
    -h | --help)
        sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "demo: unknown option '$1' (try --help)" >&2
        exit 2
        ;;
esac

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
targets=(ferry ferry-dynamics-emulator)
if [[ "$mode" == sharepoint ]]; then targets+=(ferry-sharepoint-emulator); fi
step "Building ${targets[*]} into $build/"
# A folder that is already configured keeps its generator and build type.
configure=()
if [[ ! -f "$build/CMakeCache.txt" ]]; then
    configure=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo)
fi
cmake -S . -B "$build" "${configure[@]}" >/dev/null
cmake --build "$build" --parallel "$(nproc)" --target "${targets[@]}"
build=$(cd "$build" && pwd)
ferry_bin="$build/bin/ferry"
ferry() { "$ferry_bin" "$@"; }

demo="$build/demo"
rm -rf "$demo"
mkdir -p "$demo/config/connections" "$demo/data"
export FERRY_CONFIG_DIR="$demo/config"
export FERRY_DATA_DIR="$demo/data"

# Starts an emulator in the background (stopped when the script ends) and waits for its ready
# line; sets emulator_url to the URL that line names. $1 names its output files in $demo.
emulator_pids=()
trap 'for pid in "${emulator_pids[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT
start_emulator() {
    local name=$1
    shift
    "$@" >"$demo/$name.out" 2>"$demo/$name.err" &
    local pid=$!
    emulator_pids+=("$pid")
    local waited=0
    until grep -q "listening on" "$demo/$name.out" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null || ((waited > 300)); then
            echo "demo: the $name emulator did not start:" >&2
            cat "$demo/$name.err" >&2
            exit 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    cat "$demo/$name.out"
    emulator_url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$demo/$name.out")
}

# --- seed 001: Dynamics 365 accounts into a SQL table ------------------------------------------
demo_crm() {
    step "Starting the Dynamics 365 Web API emulator (500 generated accounts)"
    start_emulator emulator "$build/bin/ferry-dynamics-emulator" --port 0 --accounts 500
    local url root tenant
    url=$emulator_url
    root=${url%/api/data/v9.2/}
    tenant=00000000-0000-0000-0000-0000000c0a57

    step "Creating the SQL side: an empty Accounts table in $demo/sales.db (SQLite)"
    show sqlite3 "$demo/sales.db" "CREATE TABLE Accounts (accountid TEXT PRIMARY KEY,
        name VARCHAR(160), accountnumber VARCHAR(20));"

    local document="$FERRY_CONFIG_DIR/connections/crm-accounts-to-sql.json"
    step "Writing the connection document $document"
    # The seed's connection string names https://contoso.crm4.dynamics.com; here the URL is the
    # emulator's, and Authority= sends the sign-in to the emulator's token endpoint instead of
    # login.microsoftonline.com. The password never goes into the document.
    cat >"$document" <<JSON
{
  "title": "CRM accounts to SQL",
  "direction": "left-to-right",
  "conflictResolution": "skip",
  "left": {
    "title": "Dynamics accounts",
    "provider": "odata",
    "connectionString": "URL=$url;Authentication=microsoft_modern_crm;User=admin@contoso.com;Authority=$root/$tenant;",
    "select": "accounts?\$select=name,accountnumber&\$top=5",
    "primaryKey": ["accountid"]
  },
  "right": {
    "title": "SQL accounts",
    "provider": "odbc",
    "connectionString": "Driver=SQLite3;Database=$demo/sales.db;",
    "select": "SELECT * FROM Accounts",
    "primaryKey": ["accountid"]
  },
  "mapping": { "auto": true }
}
JSON
    cat "$document"
    step "The password comes from the environment (or --password-stdin), never from the document"
    printf '%s$ export FERRY_LEFT_PASSWORD=...%s\n' "$bold" "$reset"
    export FERRY_LEFT_PASSWORD='Passw0rd!'

    step "Verify Connection String (both sides)"
    show ferry verify "CRM accounts to SQL"

    step "Preview Data: the top 5 accounts"
    show ferry preview "CRM accounts to SQL" --side left --rows 5

    step "First run, one way (left to right), so that both sides start equal"
    show ferry run "CRM accounts to SQL"
    show sqlite3 -header -column "$demo/sales.db" "SELECT * FROM Accounts ORDER BY accountid;"

    step "Switching the connection to bi-directional"
    local updated
    updated=$(jq '.direction = "bidirectional"' "$document")
    printf '%s\n' "$updated" >"$document"
    show jq -c '{direction, conflictResolution}' "$document"

    step "Editing one account in CRM (Web API PATCH) and another in SQL"
    local token first second
    token=$(curl -sf --data-urlencode grant_type=password \
        --data-urlencode client_id=51f81489-12ee-4a9e-aaae-a2591f45987d \
        --data-urlencode username=admin@contoso.com \
        --data-urlencode "password=$FERRY_LEFT_PASSWORD" \
        --data-urlencode "scope=$root/.default" "$root/$tenant/oauth2/v2.0/token" |
        jq -r .access_token)
    first=$(sqlite3 "$demo/sales.db" "SELECT accountid FROM Accounts ORDER BY accountid LIMIT 1;")
    second=$(sqlite3 "$demo/sales.db" \
        "SELECT accountid FROM Accounts ORDER BY accountid LIMIT 1 OFFSET 1;")
    printf '%s$ curl -X PATCH %saccounts(%s) -d {"name": "Renamed in CRM"}%s\n' \
        "$bold" "$url" "$first" "$reset"
    curl -sf -X PATCH -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
        -H "If-Match: *" -H "OData-Version: 4.0" -d '{"name": "Renamed in CRM"}' \
        "${url}accounts($first)"
    show sqlite3 "$demo/sales.db" \
        "UPDATE Accounts SET accountnumber = 'SQL-0002' WHERE accountid = '$second';"

    step "Second run, bi-directional: each edit flows to the other side"
    local report="$demo/second-run.json"
    printf '%s$ ferry run "CRM accounts to SQL" --json%s\n' "$bold" "$reset"
    ferry run "CRM accounts to SQL" --json | tee "$report"

    # The demo checks itself: the CRM edit is in SQL, the SQL edit is in CRM.
    local name_in_sql number_in_crm
    name_in_sql=$(sqlite3 "$demo/sales.db" "SELECT name FROM Accounts WHERE accountid = '$first';")
    number_in_crm=$(curl -sf -H "Authorization: Bearer $token" -H "Accept: application/json" \
        "${url}accounts($second)?\$select=accountnumber" | jq -r .accountnumber)
    if [[ "$name_in_sql" != "Renamed in CRM" || "$number_in_crm" != "SQL-0002" ]]; then
        echo "demo: expected each edit on the other side; SQL has name '$name_in_sql'," \
            "CRM has account number '$number_in_crm'" >&2
        exit 1
    fi
    echo
    echo "In SQL, account $first is now named '$name_in_sql';"
    echo "in CRM, account $second now has account number '$number_in_crm'."

    step "The saved connection and its runs"
    show ferry list
    show ferry history "CRM accounts to SQL"

    cat <<EOF

Done. The demo's files are in $demo. The emulator stops with this script; to keep exploring, start
it again ($build/bin/ferry-dynamics-emulator --help) and:
  export FERRY_CONFIG_DIR=$FERRY_CONFIG_DIR FERRY_DATA_DIR=$FERRY_DATA_DIR
  $ferry_bin --help
EOF
}

# --- seed 000: Dynamics 365 accounts into a custom SharePoint Online list ----------------------
demo_sharepoint() {
    local title="CRM accounts to SharePoint"
    step "Starting the Dynamics 365 Web API emulator (500 generated accounts)"
    start_emulator dynamics "$build/bin/ferry-dynamics-emulator" --port 0 --accounts 500
    local crm_url crm_root crm_tenant
    crm_url=$emulator_url
    crm_root=${crm_url%/api/data/v9.2/}
    crm_tenant=00000000-0000-0000-0000-0000000c0a57

    step "Starting the SharePoint Online emulator (the site /sites/sales, no lists yet)"
    start_emulator sharepoint "$build/bin/ferry-sharepoint-emulator" --port 0
    local site sp_root sp_tenant
    site=$emulator_url
    sp_root=${site%/sites/sales}
    sp_tenant=00000000-0000-0000-0000-00000000c0a5
    local list_api="$site/_api/web/lists/GetByTitle('Accounts')"

    local document="$FERRY_CONFIG_DIR/connections/crm-accounts-to-sharepoint.json"
    step "Writing the connection document $document"
    # The seed names https://contoso.crm4.dynamics.com and https://contoso.sharepoint.com; here
    # the URLs are the emulators', and Authority= / TokenEndpoint= send the sign-ins to the
    # emulators' token endpoints instead of login.microsoftonline.com. No password in the file.
    cat >"$document" <<JSON
{
  "title": "$title",
  "direction": "left-to-right",
  "conflictResolution": "skip",
  "left": {
    "title": "Dynamics accounts",
    "provider": "odata",
    "connectionString": "URL=$crm_url;Authentication=microsoft_modern_crm;User=admin@contoso.com;Authority=$crm_root/$crm_tenant;",
    "select": "accounts?\$select=name,accountnumber,address1_city",
    "primaryKey": ["accountid"]
  },
  "right": {
    "title": "SharePoint Accounts",
    "provider": "sharepoint",
    "connectionString": "URL=$site/Lists/Accounts/AllItems.aspx;Authentication=Microsoft_Modern;User=admin@contoso.com;TokenEndpoint=$sp_root/$sp_tenant/oauth2/v2.0/token;",
    "primaryKey": ["ID"]
  },
  "mapping": { "auto": true }
}
JSON
    cat "$document"
    step "The passwords come from the environment (or --password-stdin), never from the document"
    printf '%s$ export FERRY_LEFT_PASSWORD=... FERRY_RIGHT_PASSWORD=...%s\n' "$bold" "$reset"
    export FERRY_LEFT_PASSWORD='Passw0rd!' FERRY_RIGHT_PASSWORD='Passw0rd!'

    # Auto mapping pairs columns whose names agree once case and punctuation are ignored, so the
    # new list's fields are named like the CRM columns. SharePoint's built-in Title is made
    # optional, since no CRM column is named Title.
    step "Creating the SharePoint side: the list \"Accounts\", from the CRM columns"
    show ferry create-target "$title"

    step "Verify Connection String (both sides)"
    show ferry verify "$title"

    step "Preview Data: the top 5 accounts, and the (empty) list with its columns"
    show ferry preview "$title" --side left --rows 5
    show ferry preview "$title" --side right --rows 5

    step "First run, one way (left to right): every account becomes a list item"
    show ferry run "$title"

    # The demo's own checks and edits go through the services' HTTP APIs with curl, with tokens
    # from the emulators' token endpoints (password grant), not through Ferry.
    local crm_token sp_token
    crm_token=$(curl -sf --data-urlencode grant_type=password \
        --data-urlencode client_id=51f81489-12ee-4a9e-aaae-a2591f45987d \
        --data-urlencode username=admin@contoso.com \
        --data-urlencode "password=$FERRY_LEFT_PASSWORD" \
        --data-urlencode "scope=$crm_root/.default" "$crm_root/$crm_tenant/oauth2/v2.0/token" |
        jq -r .access_token)
    sp_token=$(curl -sf --data-urlencode grant_type=password \
        --data-urlencode client_id=51f81489-12ee-4a9e-aaae-a2591f45987d \
        --data-urlencode username=admin@contoso.com \
        --data-urlencode "password=$FERRY_RIGHT_PASSWORD" \
        --data-urlencode "scope=$sp_root/.default" "$sp_root/$sp_tenant/oauth2/v2.0/token" |
        jq -r .access_token)
    crm_get() {
        curl -sf -G -H "Authorization: Bearer $crm_token" -H "Accept: application/json" \
            -H "OData-Version: 4.0" "$@"
    }
    sp_get() {
        curl -sf -G -H "Authorization: Bearer $sp_token" \
            -H "Accept: application/json;odata=nometadata" "$@"
    }

    step "A few list items, read with SharePoint REST"
    printf '%s$ curl "%s/items?%s"%s\n' "$bold" "$list_api" \
        "\$select=ID,name,accountnumber,address1_city&\$top=5" "$reset"
    sp_get --data-urlencode "\$select=ID,name,accountnumber,address1_city" \
        --data-urlencode "\$top=5" "$list_api/items" |
        jq -r '["ID", "name", "accountnumber", "address1_city"],
               (.value[] | [.ID, .name, .accountnumber, .address1_city // ""]) | @tsv' |
        column -t -s $'\t'
    local item_count
    item_count=$(sp_get "$list_api" --data-urlencode "\$select=ItemCount" | jq -r .ItemCount)
    echo "The list has $item_count items."
    if [[ "$item_count" != 500 ]]; then
        echo "demo: expected 500 list items after the first run, found $item_count" >&2
        exit 1
    fi

    step "Switching the connection to bi-directional"
    local updated
    updated=$(jq '.direction = "bidirectional"' "$document")
    printf '%s\n' "$updated" >"$document"
    show jq -c '{direction, conflictResolution}' "$document"

    step "Editing one account in CRM (Web API PATCH) and one list item in SharePoint (REST MERGE)"
    # Item 1 is edited in SharePoint; the account behind item 2 is edited in CRM. Account
    # numbers are unique, so they find the CRM account of a list item.
    local first_number second_number second_account
    first_number=$(sp_get "$list_api/items(1)" --data-urlencode "\$select=accountnumber" |
        jq -r .accountnumber)
    second_number=$(sp_get "$list_api/items(2)" --data-urlencode "\$select=accountnumber" |
        jq -r .accountnumber)
    second_account=$(crm_get "${crm_url}accounts" --data-urlencode "\$select=accountid" \
        --data-urlencode "\$filter=accountnumber eq '$second_number'" |
        jq -r '.value[0].accountid')
    printf '%s$ curl -X PATCH %saccounts(%s) -d {"name": "Renamed in CRM"}%s\n' \
        "$bold" "$crm_url" "$second_account" "$reset"
    curl -sf -X PATCH -H "Authorization: Bearer $crm_token" -H "Content-Type: application/json" \
        -H "If-Match: *" -H "OData-Version: 4.0" -d '{"name": "Renamed in CRM"}' \
        "${crm_url}accounts($second_account)"
    printf '%s$ curl -X POST -H "X-HTTP-Method: MERGE" %s/items(1) -d %s%s\n' "$bold" \
        "$list_api" '{"address1_city": "Edited in SharePoint"}' "$reset"
    curl -sf -X POST -H "Authorization: Bearer $sp_token" -H "X-HTTP-Method: MERGE" \
        -H "IF-MATCH: *" -H "Accept: application/json;odata=nometadata" \
        -H "Content-Type: application/json;odata=nometadata" \
        -d '{"address1_city": "Edited in SharePoint"}' "$list_api/items(1)"

    step "Second run, bi-directional: each edit flows to the other side"
    local report="$demo/second-run.json"
    printf '%s$ ferry run "%s" --json%s\n' "$bold" "$title" "$reset"
    ferry run "$title" --json | tee "$report"

    # The demo checks itself: exactly one update per side, the CRM edit is in the list, the
    # SharePoint edit is in CRM.
    local crm_updated list_updated name_in_list city_in_crm
    crm_updated=$(jq -r '.left.updated' "$report")
    list_updated=$(jq -r '.right.updated' "$report")
    name_in_list=$(sp_get "$list_api/items(2)" --data-urlencode "\$select=name" | jq -r .name)
    city_in_crm=$(crm_get "${crm_url}accounts" --data-urlencode "\$select=address1_city" \
        --data-urlencode "\$filter=accountnumber eq '$first_number'" |
        jq -r '.value[0].address1_city')
    if [[ "$crm_updated" != 1 || "$list_updated" != 1 || "$name_in_list" != "Renamed in CRM" ||
        "$city_in_crm" != "Edited in SharePoint" ]]; then
        echo "demo: expected one update on each side and each edit on the other side; got" \
            "$crm_updated update(s) in CRM, $list_updated in SharePoint, list item 2 named" \
            "'$name_in_list', account $first_number in CRM with city '$city_in_crm'" >&2
        exit 1
    fi
    echo
    echo "In SharePoint, list item 2 (account $second_number) is now named '$name_in_list';"
    echo "in CRM, account $first_number (list item 1) is now in '$city_in_crm'."

    step "The saved connection and its runs"
    show ferry list
    show ferry history "$title"

    cat <<EOF

Done. The demo's files are in $demo. The emulators stop with this script; to keep exploring, start
them again ($build/bin/ferry-dynamics-emulator --help, $build/bin/ferry-sharepoint-emulator --help)
and:
  export FERRY_CONFIG_DIR=$FERRY_CONFIG_DIR FERRY_DATA_DIR=$FERRY_DATA_DIR
  $ferry_bin --help
EOF
}

# --- 1,000 SQLite customers into a second SQLite database ---------------------------------------
demo_sql() {
step "Creating the sample database $demo/crm.db (1,000 customer accounts)"
source scripts/sample-customers.sh
create_sample_customers "$demo/crm.db" "$demo/warehouse.db"
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
}

case "$mode" in
    crm) demo_crm ;;
    sharepoint) demo_sharepoint ;;
    *) demo_sql ;;
esac
