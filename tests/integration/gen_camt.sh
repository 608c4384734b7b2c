#!/usr/bin/env bash
# gen_camt.sh BYTES > statement.xml
#
# Writes about BYTES of a CAMT.053 statement: tests/fixtures/bank_statements/camt053-v08.xml with
# its one <Ntry> repeated, each with a reference of its own (AcctSvcrRef GEN-00000001, ...) and an
# amount that varies with the entry.
set -euo pipefail
bytes=${1:?usage: gen_camt.sh BYTES}
fixture="$(dirname "$0")/../../tests/fixtures/bank_statements/camt053-v08.xml"
awk -v bytes="$bytes" '
  /<Ntry>/ { part = 1 }
  part == 0 { head[++h] = $0; next }
  part == 1 { entry[++e] = $0; if ($0 ~ /<\/Ntry>/) part = 2; next }
  { tail[++t] = $0 }
  END {
    for (i = 1; i <= h; i++) { print head[i]; written += length(head[i]) + 1 }
    for (n = 1; written < bytes; n++) {
      for (i = 1; i <= e; i++) {
        line = entry[i]
        if (i == 2) sub(/>[^<]*</, sprintf(">%d.%02d<", 1 + n % 977, n % 100), line)
        sub(/AAAASESS-FP-CN_98765\/01/, sprintf("GEN-%08d", n), line)
        print line
        written += length(line) + 1
      }
    }
    for (i = 1; i <= t; i++) print tail[i]
  }' "$fixture"
