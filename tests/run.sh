#!/usr/bin/env bash
# The test command (README and CI run exactly this): lint and type check, then the whole suite inside a private D-Bus
# session with an unlocked GNOME Keyring, so keychain tests hit a real Secret Service, and Qt offscreen.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dbus-run-session >/dev/null || ! command -v gnome-keyring-daemon >/dev/null; then
    echo "tests/run.sh: needs dbus and gnome-keyring; run 'bash .ci/run' once as root to install them" >&2
    exit 2
fi
python3 -c "import pytest, pytestqt, hypothesis, mypy" 2>/dev/null || python3 -m pip install -q -e '.[test]'

python3 -m ruff check .
python3 -m mypy  # app/ and ui/, as pyproject.toml's [tool.mypy] says
if grep -rEl '^\s*(from|import) PySide6' app/; then
    echo "tests/run.sh: app/ must not import Qt" >&2
    exit 1
fi

export QT_QPA_PLATFORM=offscreen
export PYTHONDONTWRITEBYTECODE=1
# A throw-away keyring folder, so the tests never touch (or depend on) the user's own keyrings.
XDG_DATA_HOME="$(mktemp -d)"
export XDG_DATA_HOME
trap 'rm -rf "$XDG_DATA_HOME"' EXIT
dbus-run-session -- bash -c '
    # Creates and unlocks a login keyring with a throw-away password for this session only.
    printf "ledgerbridge-tests" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    exec python3 -m pytest "$@"
' bash "$@" 2> >(grep -v -e "Failed to set fd limit" >&2)
