#!/usr/bin/env bash
# Install what the tests need and run the whole suite. The README's second command and .ci/run.
#
#   bash scripts/test.sh            the whole suite (what CI runs)
#   bash scripts/test.sh --fast     the developer's loop: unit and in-process tests only, no tests
#                                   marked slow, flow, scaleout or postgres (under four minutes here)
#   bash scripts/test.sh ARGS       any other arguments go to pytest (run in two processes: -p no:xdist for one)
#
# System packages come from Debian: PostgreSQL (store tests on a second database),
# LibreOffice Writer (PDF output), Dovecot (replies read from a real IMAP server) and Chromium
# (the public portal in a real browser, with axe-core and playwright-core from npm). They are installed when this runs as root with apt-get;
# otherwise the tests that need them are skipped locally (and fail in CI, where CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || packages+=(postgresql)
command -v soffice >/dev/null 2>&1 || packages+=(libreoffice-writer-nogui)
[ -x /usr/sbin/dovecot ] || command -v dovecot >/dev/null 2>&1 || packages+=(dovecot-imapd)
[ -x /usr/bin/chromium ] || packages+=(chromium)
if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian packages: ${packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  else
    echo "Not installing ${packages[*]} (needs root and apt-get): the tests that need them are skipped." >&2
  fi
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
if [ "${1:-}" != "--fast" ] && command -v npm >/dev/null 2>&1; then
  # the browser tests and the accessibility checks (axe-core, playwright-core, html-validate) are not in the fast lane
  (cd meetprep/publish/browser && npm ci --no-audit --no-fund --silent)
fi
.venv/bin/ruff check --quiet meetprep flows tests bench scripts
if [ "${1:-}" = "--fast" ]; then
  shift
  exec .venv/bin/python -m pytest -n 2 --dist loadgroup -m "not slow and not flow and not scaleout and not postgres" "$@"
fi
# two processes (pytest-xdist): the tests wait on servers, LibreOffice and Chromium much of the time;
# the demo run is shared through a lock file (tests/conftest.py); flow tests keep to one process (one
# Prefect harness), the scale-out stacks too (xdist_group)
exec .venv/bin/python -m pytest -n 2 --dist loadgroup "$@"
