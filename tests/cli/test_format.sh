#!/usr/bin/env bash
# `make format` leaves the tree unchanged: every C++ file of the repository is formatted by
# the root .clang-format (the same check as `make format-check`); the CLI tests avoid
# SIGPIPE-prone pipes.
source "$(dirname "$0")/lib.sh"
cd "$TAPEOP_SOURCE_DIR"
command -v clang-format >/dev/null || fail "clang-format is not installed (make deps)"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
else # a source tarball: the same files, found on disk
  mapfile -t files < <(find cli lib tests -name '*.cpp' -o -name '*.hpp' | sort)
fi
[ "${#files[@]}" -gt 50 ] || fail "found only ${#files[@]} C++ files"
pass
clang-format --dry-run -Werror "${files[@]}" 2>"$WORK/format.txt" ||
  fail "not formatted (run make format): $(grep -c 'error:' "$WORK/format.txt") places, first: $(head -n 1 "$WORK/format.txt")"
pass
# The CLI tests run under pipefail: a reader that stops early (grep -q, head) can kill the
# writer with SIGPIPE and fail a check at random, so tests search strings with here-strings
# (grep -q PATTERN <<<"$VAR") and let readers consume whole streams.
if grep -nE '\| *(grep -[a-zA-Z]*q|head)\b' $(ls tests/cli/*.sh | grep -v test_format.sh) >"$WORK/pipes.txt"; then
  fail "a test pipes into an early-exiting reader: $(head -n 1 "$WORK/pipes.txt")"
fi
pass
finish
