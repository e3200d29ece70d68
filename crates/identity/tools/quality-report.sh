#!/usr/bin/env bash
# The identity engine's quality report with its peer: the engine, the Fellegi–Sunter baseline and
# a tuned Python `recordlinkage` pipeline on the same generated data, at 3k, 10k and 100k, with
# half of the Telegram people showing their phone and with all of them.
#
#   crates/identity/tools/quality-report.sh [SIZE...] [--seed N]
#
# The peer's packages (peer-requirements.txt) go into a virtual environment under target/ the
# first time (PEER_VENV overrides the place); later runs reuse it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
venv="${PEER_VENV:-$root/target/peer-venv}"
if ! "$venv/bin/python" -c "import recordlinkage, phonenumbers, anyascii" 2>/dev/null; then
  echo "installing the peer's packages into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --requirement "$here/peer-requirements.txt"
fi
cd "$root"
cargo build --quiet --release -p telegram-identity --example quality
for phones in 0.5 1; do
  PYTHONWARNINGS=ignore target/release/examples/quality "$@" --telegram-phones "$phones" \
    --peer "$venv/bin/python"
  echo
done
