# Sourced by demo.sh and screenshots.sh: the sample data both show.
# create_sample_customers SOURCE_DB TARGET_DB [ROWS]: SOURCE_DB gets a `customers` table of ROWS
# (default 1,000) accounts with unicode names, NULLs, decimals, doubles, booleans, dates and
# timestamps; TARGET_DB gets an empty table of the same shape.
create_sample_customers() {
    local source=$1 target=$2 rows=${3:-1000}
    local columns="(
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
    sqlite3 "$source" <<SQL
CREATE TABLE customers $columns;
WITH RECURSIVE
    seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < $rows),
    first_names(n, name) AS (VALUES (0, 'Zoë'), (1, 'Björn'), (2, 'Ana'), (3, 'Łukasz'),
        (4, 'Chloé'), (5, 'Jürgen'), (6, 'Søren'), (7, 'María'), (8, 'Ólafur'), (9, 'Akira'),
        (10, 'Émile'), (11, 'Grace')),
    last_names(n, name) AS (VALUES (0, 'Ångström'), (1, 'Núñez'), (2, 'Müller'),
        (3, 'O''Brien'), (4, 'Żółć'), (5, 'Dvořák'), (6, 'Østergaard'), (7, 'Lefèvre'),
        (8, 'Nakamura'), (9, 'Smith'), (10, 'Иванова'), (11, 'Çelik'), (12, 'Kowalski')),
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
    sqlite3 "$target" "CREATE TABLE customers $columns;"
}
