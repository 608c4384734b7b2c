#!/usr/bin/env bash
# gen_transactions.sh BYTES > transactions.csv
#
# Writes about BYTES of `transactions export` CSV for the generic mapping: the rows of
# examples/transactions/generic.csv that carry no receipt, repeated with distinct transaction ids
# (gen-00000001, ...), dates through March 2026 and amounts that vary with the row.
set -euo pipefail
bytes=${1:?usage: gen_transactions.sh BYTES}
fixture="$(dirname "$0")/../../examples/transactions/generic.csv"
awk -F, -v OFS=, -v bytes="$bytes" '
  NR == 1 { print; written = length($0) + 1; next }
  $12 == "" { rows[++n] = $0 }
  END {
    for (i = 1; written < bytes; i++) {
      $0 = rows[1 + (i - 1) % n]
      $1 = $2 = sprintf("2026-03-%02d", 1 + i % 28)
      $3 = sprintf("%s%d.%02d", substr($3, 1, 1) == "-" ? "-" : "", 1 + i % 977, i % 100)
      $9 = sprintf("gen-%08d", i)
      print
      written += length($0) + 1
    }
  }' "$fixture"
