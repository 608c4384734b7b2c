#!/usr/bin/env bash
# gen_contacts.sh BYTES [NOTE_LENGTH] > contacts.csv
#
# Writes a `contacts push` CSV of about BYTES bytes: companies and persons, customers and vendors,
# each row with its own ref, e-mail and name (no duplicates, no errors), some with a shipping
# address, a note or a quoted field. With NOTE_LENGTH, every row has a note of that many characters
# (fewer, longer rows for the same size). The same arguments give the same file.
set -euo pipefail
bytes=${1:?usage: gen_contacts.sh BYTES [NOTE_LENGTH]}
note_length=${2:-0}
awk -v bytes="$bytes" -v note_length="$note_length" 'BEGIN {
  long_note = "";
  while (length(long_note) < note_length) long_note = long_note "Reinigung nach Plan und Schlüssel beim Hausmeister. ";
  long_note = substr(long_note, 1, note_length);
  split("Berlin München Hamburg Köln Leipzig Dresden", cities, " ");
  split("10115 80331 20095 50667 04109 01067", zips, " ");
  header = "ref,role,company_name,first_name,last_name,email,phone,street,zip,city,country,shipping_street,shipping_zip,shipping_city,shipping_country,note";
  print header;
  total = length(header) + 1;
  for (i = 1; total < bytes; i++) {
    c = 1 + i % 6;
    role = i % 5 == 0 ? "vendor" : (i % 7 == 0 ? "both" : "customer");
    if (i % 3 == 0) {
      row = sprintf("src-%08d,%s,,Erika,Muster%08d,erika%08d@mail.example,,Ringweg %d,%s,%s,DE,,,,,%s", i, role, i, i, i % 200 + 1, zips[c], cities[c], long_note);
    } else {
      row = sprintf("src-%08d,%s,\"Reinigung %08d GmbH, Niederlassung %s\",,,info%08d@firma.example,+49 30 %07d,Hauptstr. %d,%s,%s,DE", i, role, i, cities[c], i, i, i % 300 + 1, zips[c], cities[c]);
      if (i % 4 == 1) row = row sprintf(",Lager %d,%s,%s,DE,Stammkunde seit %d", i % 50 + 1, zips[c], cities[c], 2000 + i % 25);
      else row = row ",,,,," long_note;
    }
    print row;
    total += length(row) + 1;
  }
}'
