#!/usr/bin/env bash
# Installs everything Ferry needs to build, test and run on Debian 12 (idempotent).
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkg-config git
    libcurl4-openssl-dev nlohmann-json3-dev libsqlite3-dev sqlite3
    unixodbc unixodbc-dev libsqliteodbc odbc-postgresql
    libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libpugixml-dev libcpp-httplib-dev libssl-dev
    qt6-base-dev qt6-base-dev-tools qt6-charts-dev libqt6opengl6-dev libxkbcommon-dev
    qtkeychain-qt6-dev libqt6test6 libgl-dev
    xvfb xauth fonts-dejavu-core
    postgresql-15 postgresql-client-15
    clang-format procps curl jq
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
    echo "install-deps: all packages present"
    exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
