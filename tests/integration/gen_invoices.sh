#!/usr/bin/env bash
# gen_invoices.sh N [SEED] > invoices.csv
#
# Writes N source invoices of the sandbox's demo organisation as `invoices export` CSV: demo
# customers by customer number and by e-mail, one-time recipients, one to three line items at
# 7 % and 19 %, net and gross invoices, every tenth document a credit note (dated like the invoice it corrects)
# correcting the invoice before it, dates from 2026-03-16 to 2026-04-14 (across the change to summer time). The same N and
# SEED give the same file.
set -euo pipefail
n=${1:?usage: gen_invoices.sh N [SEED]}
seed=${2:-42}
awk -v n="$n" -v seed="$seed" 'BEGIN {
  srand(seed);
  OFS = ",";
  split("10001 10002 10003 10004 10005 10006 10007 10008 10011 10012 10013 10014 10017 10019 10020 10021 10022 10023", numbers, " ");
  split("info@mueller-soehne.example erika.mustermann@mail.example paul.richter@mail.example schulze@baeckerei.example leitung@kita-sonnenschein.example", emails, " ");
  split("Unterhaltsreinigung|Glasreinigung|Grundreinigung|Teppichreinigung|Treppenhausreinigung|Sonderreinigung", services, "|");
  split("Reinigungsmittel|Müllbeutel|Handtuchrollen|Seifenspender", goods, "|");
  print "number,kind,corrects,date,service_date,payment_terms,customer_number,customer_email,name,street,zip,city,country,tax_type,status,item,quantity,unit,net_price,gross_price,tax_rate";
  for (i = 1; i <= n; i++) {
    number = sprintf("GEN-%05d", i);
    day = int(rand() * 30);
    m = day < 16 ? 3 : 4; d = day < 16 ? 16 + day : day - 15;
    date = sprintf("2026-%02d-%02d", m, d);
    kind = "invoice"; corrects = "";
    if (i % 10 == 0 && i > 1) { kind = "credit-note"; corrects = prev; cust = prevcust; date = prevdate; }
    else {
      r = rand();
      if (r < 0.6) cust = "num:" numbers[1 + int(rand() * length(numbers))];
      else if (r < 0.85) cust = "mail:" emails[1 + int(rand() * length(emails))];
      else cust = "once:" i;
    }
    num = ""; mail = ""; name = ""; street = ""; zip = ""; city = ""; country = "";
    if (cust ~ /^num:/) num = substr(cust, 5);
    else if (cust ~ /^mail:/) mail = substr(cust, 6);
    else { name = "Laufkunde " substr(cust, 6); street = "Marktweg " (i % 40 + 1); zip = "10115"; city = "Berlin"; country = "DE"; }
    gross = (kind == "invoice" && rand() < 0.2);
    tax_type = gross ? "gross" : "net";
    terms = kind == "invoice" ? 14 : "";
    service = kind == "invoice" ? date : "";
    items = kind == "credit-note" ? 1 : 1 + int(rand() * 3);
    for (k = 1; k <= items; k++) {
      if (kind == "credit-note") { item = "Gutschrift"; rate = 19; unit = "Pauschal"; q = 1; price = "10.00"; }
      else if (k == 2 && rand() < 0.7) { item = goods[1 + int(rand() * length(goods))]; rate = 7; unit = "Stück"; q = 1 + int(rand() * 20); price = sprintf("%.2f", 1 + rand() * 20); }
      else { item = services[1 + int(rand() * length(services))]; rate = 19; unit = "Stunden"; q = sprintf("%.2f", 0.25 * (1 + int(rand() * 40))); price = sprintf("%.2f", 28 + rand() * 30); }
      net = gross ? "" : price; grossp = gross ? price : "";
      if (k == 1) print number, kind, corrects, date, service, terms, num, mail, name, street, zip, city, country, tax_type, "open", item, q, unit, net, grossp, rate;
      else print number, "", "", "", "", "", "", "", "", "", "", "", "", "", "", item, q, unit, net, grossp, rate;
    }
    if (kind == "invoice") { prev = number; prevcust = cust; prevdate = date; }
  }
}'
