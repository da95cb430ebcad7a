#!/usr/bin/env bash
# Checks that a CSV has the Sign Language MNIST / Kaggle layout:
# header "label,pixel1,...,pixel784", then rows of 785 integer fields
# (label, 784 pixels 0..255), and exactly EXPECTED_LINES lines in all.
# Usage: check_csv_layout.sh FILE EXPECTED_LINES
set -euo pipefail
f="${1:?usage: check_csv_layout.sh FILE EXPECTED_LINES}"
want="${2:?usage: check_csv_layout.sh FILE EXPECTED_LINES}"
[[ -f "$f" ]] || { echo "FAIL: missing $f" >&2; exit 1; }
awk -F, -v want="$want" '
  NR == 1 {
    if ($1 != "label" || $2 != "pixel1" || $785 != "pixel784") { print "FAIL: line 1 is not the label,pixel1..pixel784 header"; bad = 1 }
  }
  { sub(/\r$/, "") }
  NF != 785 { print "FAIL: line " NR ": " NF " fields, want 785"; bad = 1 }
  NR > 1 {
    if ($1 !~ /^[0-9]+$/) { print "FAIL: line " NR ": bad label " $1; bad = 1 }
    for (i = 2; i <= NF; i++) if ($i !~ /^[0-9]+$/ || $i > 255) { print "FAIL: line " NR " field " i ": " $i; bad = 1; break }
  }
  END {
    if (NR != want) { print "FAIL: " NR " lines, want " want; bad = 1 }
    if (bad) exit 1
    print "ok: " FILENAME ": " NR " lines x 785 fields"
  }' "$f"
