#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_sandbox (tests/fuzz/corpus/sandbox): one file per request, the
bytes a client sends. The requests are those of the API reference (the sections of the lexoffice API reference
named in each entry), with the sandbox's demo key and the ids of its demo seed, plus a few hostile
ones (no key, wrong key, deep nesting, invalid UTF-8, chunked body).

Usage: tests/fuzz/make_sandbox_corpus.py [DIR]"""
import json
import os
import sys

# fuzz_sandbox puts the demo key in place of this, so that no key is written to a corpus.
KEY = "@demo-key@"
CONTACT = "c0a80001-0000-4000-8000-000000000001"
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "sandbox")


def request(method, target, body=b"", headers=None, key=KEY):
    if isinstance(body, str):
        body = body.encode()
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1:8080"]
    if key is not None:
        lines.append(f"Authorization: Bearer {key}")
    if "Accept" not in (headers or {}):
        lines.append("Accept: application/json")
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body and "Transfer-Encoding" not in (headers or {}):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


JSON = {"Content-Type": "application/json"}
lines = [{"type": "custom", "name": "Unterhaltsreinigung", "quantity": 2, "unitName": "Stunde",
          "unitPrice": {"currency": "EUR", "netAmount": 13.40, "taxRatePercentage": 19},
          "discountPercentage": 50},
         {"type": "custom", "name": "Fachbuch", "quantity": 1, "unitName": "Stück",
          "unitPrice": {"currency": "EUR", "netAmount": 8.32, "taxRatePercentage": 7}}]
invoice = {"voucherDate": "2026-03-03T00:00:00.000+01:00", "address": {"contactId": CONTACT},
           "lineItems": lines, "totalPrice": {"currency": "EUR"},
           "taxConditions": {"taxType": "net"},
           "shippingConditions": {"shippingDate": "2026-03-03T00:00:00.000+01:00",
                                  "shippingType": "service"}}
contact = {"version": 0, "roles": {"customer": {}},
           "company": {"name": "Testfirma", "vatRegistrationId": "DE123456789",
                       "contactPersons": [{"lastName": "Muster", "emailAddress": "a@b.de"}]},
           "addresses": {"billing": [{"street": "Hauptstr. 5", "zip": "12345", "city": "Musterort",
                                      "countryCode": "DE"}]}}
voucher = {"type": "purchaseinvoice", "voucherNumber": "ER-1", "voucherDate": "2026-03-01",
           "totalGrossAmount": 119.0, "totalTaxAmount": 19.0, "taxType": "gross",
           "useCollectiveContact": True,
           "voucherItems": [{"amount": 119.0, "taxAmount": 19.0, "taxRatePercent": 19,
                             "categoryId": "8f8664a8-fd86-11e1-a21f-0800200c9a66"}]}
boundary = "lexsyncfuzzboundary"
upload = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"beleg.pdf\"\r\n"
          f"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n%%EOF\n\r\n"
          f"--{boundary}\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\nvoucher\r\n"
          f"--{boundary}--\r\n")
seeds = {
    # §9.1
    "profile": request("GET", "/v1/profile"),
    "ping": request("GET", "/v1/ping"),
    # §9.2, §4
    "contacts_list": request("GET", "/v1/contacts?page=0&size=25&customer=true&name=Testfirma"),
    "contacts_email": request("GET", "/v1/contacts?email=a%40b.de&number=10001"),
    "contact_get": request("GET", f"/v1/contacts/{CONTACT}"),
    "contact_post": request("POST", "/v1/contacts", json.dumps(contact), JSON),
    "contact_put": request("PUT", f"/v1/contacts/{CONTACT}", json.dumps(dict(contact, version=1)), JSON),
    # §9.3
    "article_post": request("POST", "/v1/articles", json.dumps(
        {"title": "Lampe", "type": "PRODUCT", "unitName": "Stück",
         "price": {"netPrice": 10, "leadingPrice": "NET", "taxRate": 19}}), JSON),
    # §9.5, §9.6
    "invoice_post": request("POST", "/v1/invoices?finalize=true", json.dumps(invoice), JSON),
    "invoice_draft": request("POST", "/v1/invoices", json.dumps(invoice), JSON),
    "credit_note_post": request("POST", "/v1/credit-notes?finalize=true", json.dumps(
        {k: v for k, v in invoice.items() if k != "shippingConditions"}), JSON),
    "quotation_post": request("POST", "/v1/quotations", json.dumps(
        dict(invoice, expirationDate="2026-04-03T00:00:00.000+01:00")), JSON),
    "invoice_file": request("GET", f"/v1/invoices/{CONTACT}/file", headers={"Accept": "application/pdf"}),
    "invoice_document": request("GET", f"/v1/invoices/{CONTACT}/document"),
    # §9.7
    "voucherlist": request("GET", "/v1/voucherlist?voucherType=invoice,creditnote&voucherStatus=any"
                                  "&voucherDateFrom=2026-03-01&voucherDateTo=2026-03-31&size=250&sort=voucherDate,DESC"),
    # §9.8
    "voucher_post": request("POST", "/v1/vouchers", json.dumps(voucher), JSON),
    "voucher_by_number": request("GET", "/v1/vouchers?voucherNumber=ER-1"),
    # §9.9
    "file_upload": request("POST", "/v1/files", upload,
                           {"Content-Type": f"multipart/form-data; boundary={boundary}"}),
    "file_get": request("GET", f"/v1/files/{CONTACT}", headers={"Accept": "*/*"}),
    # §9.10, §9.11, §9.12
    "payments": request("GET", f"/v1/payments/{CONTACT}"),
    "posting_categories": request("GET", "/v1/posting-categories"),
    "countries": request("GET", "/v1/countries"),
    "payment_conditions": request("GET", "/v1/payment-conditions"),
    "recurring_templates": request("GET", "/v1/recurring-templates?page=0&size=25&sort=nextExecutionDate,ASC"),
    # §9.13
    "subscription_post": request("POST", "/v1/event-subscriptions", json.dumps(
        {"eventType": "contact.changed", "callbackUrl": "http://127.0.0.1:9/hook"}), JSON),
    "subscriptions": request("GET", "/v1/event-subscriptions"),
    # §10
    "finance_accounts": request("GET", "/v1/finance/accounts"),
    # §1.3
    "oauth_token": request("POST", "/oauth2/token",
                           "grant_type=refresh_token&refresh_token=r1", {
                               "Content-Type": "application/x-www-form-urlencoded",
                               "Authorization": "Basic Y2xpZW50OnNlY3JldA=="}, key=None),
    "oauth_authorize": request("GET", "/oauth2/authorize?client_id=lexsync&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb"
                                      "&response_type=code&state=s&scope=profile.read&code_challenge=abc&code_challenge_method=S256",
                               key=None),
    # §8: routes that do not exist
    "no_route": request("DELETE", f"/v1/contacts/{CONTACT}"),
    # hostile
    "no_key": request("GET", "/v1/profile", key=None),
    "wrong_key": request("POST", "/v1/contacts", json.dumps(contact), JSON, key="wrong"),
    "deep": request("POST", "/v1/contacts", "[" * 300, JSON),
    "latin1": request("POST", "/v1/contacts", json.dumps(contact).encode().replace(b"Testfirma", b"M\xfcller"), JSON),
    "chunked": request("POST", "/v1/contacts", b"%x\r\n%s\r\n0\r\n\r\n" % (len(json.dumps(contact)), json.dumps(contact).encode()),
                       dict(JSON, **{"Transfer-Encoding": "chunked"})),
}
os.makedirs(OUT, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
