# Shared by the end-to-end CLI tests: sourced, never run on its own.
# Environment: TAPEOP (the executable), TAPEOP_SOURCE_DIR (the repository).
set -euo pipefail
: "${TAPEOP:?TAPEOP must name the tapeop executable}"
: "${TAPEOP_SOURCE_DIR:?TAPEOP_SOURCE_DIR must name the repository}"
TAPEOP=$(cd "$(dirname "$TAPEOP")" && pwd)/$(basename "$TAPEOP")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tapeop-cli-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
CHECKS=0

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { CHECKS=$((CHECKS + 1)); }

# expect_exit CODE CMD...: runs CMD, captures stdout/stderr in $OUT/$ERR, checks the exit code.
expect_exit() {
  local want=$1; shift
  set +e
  "$@" >"$WORK/.out" 2>"$WORK/.err"
  local got=$?
  set -e
  OUT=$(cat "$WORK/.out"); ERR=$(cat "$WORK/.err")
  [ "$got" = "$want" ] || fail "expected exit $want, got $got: $* -- stderr: $ERR"
  pass
}

# expect_one_line_error PATTERN: stderr (from expect_exit) is one line matching PATTERN.
expect_one_line_error() {
  local lines
  lines=$(printf '%s' "$ERR" | grep -c '' || true)
  [ "$lines" = 1 ] || fail "expected one error line, got $lines: $ERR"
  grep -Eq -- "$1" <<<"$ERR" || fail "error '$ERR' does not match '$1'"
  pass
}

# json_get FILE.json EXPR: prints a value with jq-like path via the tapeop-free awk? No: use python-less
# parsing through `tapeop`-independent tools is brittle, so tests compare numbers with awk on
# `--json` output flattened by grep. Values are read as: json_num KEY (first occurrence).
json_num() { # json_num KEY < json
  grep -o "\"$1\": *[-0-9.eE+]*" | sed -n 1p | sed 's/.*: *//'
}

# near A B TOL: |A - B| <= TOL
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }

no_temporaries() { # no_temporaries DIR: nothing half-written left behind
  if ls -A "$1" | grep -Ec 'tapeop-(tmp|work)' >/dev/null; then fail "temporary or intermediate file left in $1"; fi
  pass
}

# browser ARGS...: headless Chromium that can reach nothing (every host resolves to nothing),
# with its own profile in $WORK, for the report pages' tests.
browser() {
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --host-resolver-rules="MAP * ~NOTFOUND" --user-data-dir="$(mktemp -d "$WORK/chrome-XXXXXX")" \
    --window-size=1000,1400 "$@" 2>/dev/null
}

# need_browser: the report pages' tests load them in Chromium, a test dependency (make deps
# installs it); without it they fail, they do not skip.
need_browser() {
  command -v chromium >/dev/null ||
    fail "chromium is not installed: the report pages are tested in it (Debian package 'chromium'; make deps installs it)"
}

# no_page_requests URL: loads URL in the browser with Chromium's net log on and fails the
# test when the page asked the network for anything (page_requests.py).
no_page_requests() {
  local log
  log=$(mktemp "$WORK/netlog-XXXXXX.json")
  browser --log-net-log="$log" --dump-dom "$1" >/dev/null
  python3 "$(dirname "${BASH_SOURCE[0]}")/page_requests.py" "$log" || fail "the page made network requests"
  pass
}

finish() { echo "$CHECKS passed, 0 failed"; }

# Fails naming the first of the given commands that is not installed.
need_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || fail "$tool is needed (make deps)"
  done
}
