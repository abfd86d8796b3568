#!/usr/bin/env bash
# Installs what Picojoule needs on a Debian machine (as root, or with sudo):
# the C libraries for counters and NUMA, valgrind for simulated caches, Python's
# venv for test fixtures. Swift itself (6.2 or newer) must already be on PATH.
set -euo pipefail
need=()
dpkg -s libpfm4-dev >/dev/null 2>&1 || need+=(libpfm4-dev)
dpkg -s libnuma-dev >/dev/null 2>&1 || need+=(libnuma-dev)
dpkg -s libsqlite3-dev >/dev/null 2>&1 || need+=(libsqlite3-dev)
command -v valgrind >/dev/null 2>&1 || need+=(valgrind)
# objcopy strips the DWARF 5 that valgrind 3.19 cannot read from the copy it runs.
command -v objcopy >/dev/null 2>&1 || need+=(binutils)
command -v curl >/dev/null 2>&1 || need+=(curl)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
if ! command -v swift >/dev/null 2>&1; then
  echo "setup: swift is not on PATH; install a Swift 6.2+ toolchain (https://swift.org/install)" >&2
  exit 1
fi
echo "setup: system packages ready"
