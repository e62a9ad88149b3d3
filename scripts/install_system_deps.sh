#!/usr/bin/env bash
# System packages the Python ones cannot bring: Java for Spark, and (for the
# test suite's report check) Debian's headless Chromium. Installs only what is
# missing, so it is a no-op on a machine that has them.
#   scripts/install_system_deps.sh [--with-chromium]
set -euo pipefail
need=()
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
if [[ "${1:-}" == "--with-chromium" ]] && ! command -v chromium >/dev/null 2>&1; then
  need+=(chromium)
fi
if ((${#need[@]})); then
  echo "installing: ${need[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
