// Drives the published lexoffice client @elbstack/lexoffice-client-js (pinned in package.json)
// through a bookkeeping scenario against a running lexsync sandbox, without modifying it.
//
// Usage: LEXOFFICE_API_KEY=… node scenario.js BASE_URL LIMITED_URL
// BASE_URL: a sandbox without rate limit (the client has no pacing of its own); LIMITED_URL: a
// sandbox whose bucket holds one request, for the 429 case. NODE_PATH names the installed
// node_modules; the key comes through the environment, never through argv.
//
// The client has no option for its host: it creates one axios instance with the fixed base URL
// https://api.lexoffice.io/v1. Its instance defaults are axios's documented way to change that,
// so the only change made here is `client.axios.defaults.baseURL`. Every call then goes through
// the client's own methods, headers, body encoding and error classes.
'use strict';

const assert = require('assert/strict');
const lexoffice = require('@elbstack/lexoffice-client-js');
const FormData = require('form-data');

const [baseUrl, limitedUrl] = process.argv.slice(2);
const apiKey = process.env.LEXOFFICE_API_KEY;
if (!baseUrl || !limitedUrl || !apiKey) {
  console.error('usage: LEXOFFICE_API_KEY=… node scenario.js BASE_URL LIMITED_URL');
  process.exit(2);
}

function clientFor(key, url = baseUrl) {
  const client = new lexoffice.Client(key);
  client.axios.defaults.baseURL = url + '/v1';
  return client;
}

const client = clientFor(apiKey);
let steps = 0;

// Runs one call of the client; `check` receives the unwrapped value of an Ok result.
async function step(name, call, check) {
  const result = await call();
  if (result.err) {
    const e = result.val;
    throw new Error(
      `${name}: the client reported status ${e.status}: ${e.messageOrig || e.error}` +
        (e.issueList ? ' ' + JSON.stringify(e.issueList) : '') +
        (e.details ? ' ' + JSON.stringify(e.details) : ''),
    );
  }
  try {
    if (check) await check(result.val);
  } catch (e) {
    e.message = `${name}: ${e.message}`;
    throw e;
  }
  steps += 1;
  console.log(`ok ${steps} - ${name}`);
  return result.val;
}

// Runs one call that must fail with the client's error class `errorClass` and `status`.
async function failing(name, call, errorClass, status, check) {
  const result = await call();
  if (result.ok) {
    throw new Error(`${name}: expected ${errorClass.name}, got success ${JSON.stringify(result.val)}`);
  }
  const e = result.val;
  try {
    assert.ok(e instanceof errorClass,
      `expected ${errorClass.name}, got status ${e.status}: ${e.messageOrig || e.error}`);
    assert.equal(e.status, status);
    if (check) check(e);
  } catch (err) {
    err.message = `${name}: ${err.message}`;
    throw err;
  }
  steps += 1;
  const label = Object.keys(lexoffice).find((k) => lexoffice[k] === errorClass);
  console.log(`ok ${steps} - ${name} (${label})`);
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const unknownId = '00000000-0000-4000-8000-000000000000';

// A minimal PDF, written here (not taken from anywhere).
const pdf = Buffer.from(
  '%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n' +
    '2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n',
);

async function main() {
  // Account and reference data.
  await step('retrieveProfile', () => client.retrieveProfile(), (p) => {
    assert.match(p.organizationId, uuid);
    assert.equal(typeof p.companyName, 'string');
  });
  await step('retrieveListOfCountries', () => client.retrieveListOfCountries(), (list) => {
    const de = list.find((c) => c.countryCode === 'DE');
    assert.ok(de, 'DE is listed');
    assert.equal(de.taxClassification, 'de');
  });
  await step('retrievePaymentConditionList', () => client.retrievePaymentConditionList(), (list) => {
    assert.ok(Array.isArray(list) && list.length > 0);
  });
  const categories = await step(
    'retrieveListPostingCategories',
    () => client.retrieveListPostingCategories(),
    (list) => assert.ok(list.some((c) => c.type === 'income')),
  );
  const income = categories.find((c) => c.id === '8f8664a8-fd86-11e1-a21f-0800200c9a66') ||
    categories.find((c) => c.type === 'income');

  // Contacts.
  const contact = await step(
    'createContact',
    () =>
      client.createContact({
        version: 0,
        roles: { customer: {} },
        company: {
          name: 'Drittanbieter Test GmbH',
          contactPersons: [{ salutation: 'Frau', firstName: 'Inge', lastName: 'Beispiel',
            primary: true, emailAddress: 'inge.beispiel@example.com' }],
        },
        addresses: { billing: [{ street: 'Hauptstraße 5', zip: '10115', city: 'Berlin',
          countryCode: 'DE' }] },
        emailAddresses: { business: ['rechnung@example.com'] },
        note: 'created by the published JavaScript client',
      }),
    (r) => {
      assert.match(r.id, uuid);
      assert.equal(r.version, 1);
      assert.match(r.resourceUri, /\/v1\/contacts\//);
    },
  );
  const stored = await step('retrieveContact', () => client.retrieveContact(contact.id), (c) => {
    assert.equal(c.id, contact.id);
    assert.equal(c.company.name, 'Drittanbieter Test GmbH');
    assert.equal(c.roles.customer.number > 0, true);
    assert.equal(c.archived, false);
  });
  await step(
    'updateContact',
    () => client.updateContact(contact.id, { ...stored, note: 'changed by the client' }),
    (r) => assert.equal(r.version, 2),
  );
  await step(
    'filterContact by name',
    () => client.filterContact({ name: 'Drittanbieter Test', customer: true, page: 0, size: 25 }),
    (page) => {
      assert.equal(page.totalElements, 1);
      assert.equal(page.content[0].id, contact.id);
      assert.equal(page.content[0].note, 'changed by the client');
    },
  );

  // Invoices.
  const invoice = await step(
    'createInvoice (finalized)',
    () =>
      client.createInvoice(
        {
          voucherDate: '2026-03-02T00:00:00.000+01:00',
          address: { contactId: contact.id },
          lineItems: [
            { type: 'custom', name: 'Beratung', quantity: 3, unitName: 'Stunde',
              unitPrice: { currency: 'EUR', netAmount: 80, taxRatePercentage: 19 } },
            { type: 'text', name: 'Hinweis', description: 'Leistung im März' },
          ],
          totalPrice: { currency: 'EUR' },
          taxConditions: { taxType: 'net' },
          paymentConditions: { paymentTermLabel: '10 Tage netto', paymentTermDuration: 10 },
          shippingConditions: { shippingDate: '2026-03-02T00:00:00.000+01:00',
            shippingType: 'service' },
          title: 'Rechnung',
        },
        { finalize: true },
      ),
    (r) => assert.match(r.id, uuid),
  );
  const retrieved = await step('retrieveInvoice', () => client.retrieveInvoice(invoice.id), (i) => {
    assert.equal(i.voucherStatus, 'open');
    assert.match(i.voucherNumber, /^RE/);
    assert.equal(i.totalPrice.totalNetAmount, 240);
    assert.equal(i.totalPrice.totalGrossAmount, 285.6);
    assert.equal(i.taxAmounts[0].taxRatePercentage, 19);
    assert.equal(i.address.contactId, contact.id);
  });
  const document = await step(
    'renderInvoiceDocumentFileId',
    () => client.renderInvoiceDocumentFileId(invoice.id),
    (d) => assert.match(d.documentFileId, uuid),
  );
  await step('downloadFile (the rendered invoice)', () => client.downloadFile(document.documentFileId),
    (data) => {
      const bytes = Buffer.from(data);
      assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
      assert.ok(bytes.toString('latin1').includes(retrieved.voucherNumber),
        'the rendered document names the invoice number');
    });
  await step('retrievePayment (the open invoice)', () => client.retrievePayment(invoice.id), (p) => {
    assert.equal(p.paymentStatus, 'openRevenue');
    assert.equal(p.openAmount, 285.6);
    assert.equal(p.voucherType, 'invoice');
  });

  // An XRechnung invoice (the client's XRechnung shape) to a demo contact set up for it.
  const xInvoice = await step(
    'createInvoice (XRechnung, finalized)',
    () =>
      client.createInvoice(
        {
          voucherDate: '2026-03-02T00:00:00.000+01:00',
          address: { contactId: 'c0a80001-0000-4000-8000-000000000012' },
          xRechnung: { buyerReference: '04011000-1234512345-35', vendorNumberAtCustomer: '70123456' },
          lineItems: [{ type: 'custom', name: 'Wartung', quantity: 2, unitName: 'Stunde',
            unitPrice: { currency: 'EUR', netAmount: 55.5, taxRatePercentage: 19 } }],
          totalPrice: { currency: 'EUR' },
          taxConditions: { taxType: 'net' },
          shippingConditions: { shippingDate: '2026-03-02T00:00:00.000+01:00',
            shippingType: 'service' },
        },
        { finalize: true },
      ),
    (r) => assert.match(r.id, uuid),
  );
  await step('retrieveInvoice (XRechnung)', () => client.retrieveInvoice(xInvoice.id), (i) => {
    assert.equal(i.xRechnung.buyerReference, '04011000-1234512345-35');
    assert.equal(i.totalPrice.totalGrossAmount, 132.09);
  });

  // A credit note (the client's options carry only finalize).
  const creditNote = await step(
    'createCreditNote (finalized)',
    () =>
      client.createCreditNote(
        {
          voucherDate: '2026-03-05T00:00:00.000+01:00',
          address: { contactId: contact.id },
          lineItems: [{ type: 'custom', name: 'Gutschrift', quantity: 1, unitName: 'Stück',
            unitPrice: { currency: 'EUR', netAmount: 80, taxRatePercentage: 19 } }],
          totalPrice: { currency: 'EUR' },
          taxConditions: { taxType: 'net' },
        },
        { finalize: true },
      ),
    (r) => assert.match(r.id, uuid),
  );
  await step('retrieveCreditNote', () => client.retrieveCreditNote(creditNote.id), (c) => {
    assert.match(c.voucherNumber, /^GS/);
    assert.equal(c.totalPrice.totalGrossAmount, 95.2);
  });
  await step('renderCreditNoteDocumentFileId', () => client.renderCreditNoteDocumentFileId(creditNote.id),
    (d) => assert.match(d.documentFileId, uuid));
  // Not pursued from the invoice (the client's options have no precedingSalesVoucherId): the
  // credit note stays open until a payment is assigned, and the invoice keeps its open amount.
  await step('retrievePayment (the open credit note)', () => client.retrievePayment(creditNote.id),
    (p) => {
      assert.equal(p.voucherType, 'creditnote');
      assert.equal(p.voucherStatus, 'open');
      assert.equal(p.paymentStatus, 'openRevenue');
      assert.equal(p.openAmount, 95.2);
    });

  // A quotation with an optional item, and an order confirmation (the client creates those as
  // drafts: its call has no finalize option).
  const quotation = await step(
    'createQuotation (finalized)',
    () =>
      client.createQuotation(
        {
          voucherDate: '2026-03-02T00:00:00.000+01:00',
          expirationDate: '2026-04-01T00:00:00.000+02:00',
          address: { contactId: contact.id },
          lineItems: [
            { type: 'custom', name: 'Grundreinigung', quantity: 1, unitName: 'Pauschal',
              unitPrice: { currency: 'EUR', netAmount: 400, taxRatePercentage: 19 } },
            { type: 'custom', name: 'Fensterreinigung', quantity: 1, unitName: 'Pauschal',
              unitPrice: { currency: 'EUR', netAmount: 120, taxRatePercentage: 19 }, optional: true },
          ],
          totalPrice: { currency: 'EUR' },
          taxConditions: { taxType: 'net' },
          title: 'Angebot',
        },
        { finalize: true },
      ),
    (r) => assert.match(r.id, uuid),
  );
  await step('retrieveQuotation', () => client.retrieveQuotation(quotation.id), (q) => {
    assert.match(q.voucherNumber, /^AG/);
    assert.equal(q.voucherStatus, 'open');
    assert.equal(q.expirationDate, '2026-04-01T00:00:00.000+02:00');
    assert.equal(q.totalPrice.totalNetAmount, 400); // the optional item does not count
    assert.equal(q.lineItems[1].optional, true);
  });
  await step('renderQuotationDocumentFileId', () => client.renderQuotationDocumentFileId(quotation.id),
    (d) => assert.match(d.documentFileId, uuid));
  const order = await step(
    'createOrderConfirmation',
    () =>
      client.createOrderConfirmation({
        voucherDate: '2026-03-03T00:00:00.000+01:00',
        address: { contactId: contact.id },
        lineItems: [{ type: 'custom', name: 'Grundreinigung', quantity: 1, unitName: 'Pauschal',
          unitPrice: { currency: 'EUR', netAmount: 400, taxRatePercentage: 19 } }],
        totalPrice: { currency: 'EUR' },
        taxConditions: { taxType: 'net' },
        shippingConditions: { shippingDate: '2026-03-10T00:00:00.000+01:00', shippingType: 'service' },
        deliveryTerms: 'Ausführung vor Ort',
      }),
    (r) => assert.match(r.id, uuid),
  );
  await step('retrieveOrderConfirmation', () => client.retrieveOrderConfirmation(order.id), (o) => {
    assert.match(o.voucherNumber, /^AB/);
    assert.equal(o.voucherStatus, 'draft');
    assert.equal(o.deliveryTerms, 'Ausführung vor Ort');
    assert.equal(o.totalPrice.totalGrossAmount, 476);
  });

  // Recurring templates are made in the web app: a new account has none.
  await step('retrieveAllRecurringTemplates', () =>
    client.retrieveAllRecurringTemplates({ page: 0, size: 5, sort: 'nextExecutionDate,ASC' }), (page) => {
    assert.deepEqual(page.content, []);
    assert.equal(page.totalElements, 0);
    assert.equal(page.sort[0].property, 'nextExecutionDate');
  });

  // Bookkeeping vouchers.
  const voucherBody = {
    type: 'salesinvoice',
    voucherNumber: 'JS-2026-0001',
    voucherDate: '2026-06-30',
    totalGrossAmount: 119,
    totalTaxAmount: 19,
    taxType: 'gross',
    useCollectiveContact: true,
    contactName: 'Barverkauf',
    remark: 'from the JavaScript client',
    voucherItems: [{ amount: 119, taxAmount: 19, taxRatePercent: 19, categoryId: income.id }],
    files: [],
  };
  const voucher = await step('createVoucher', () => client.createVoucher(voucherBody),
    (r) => assert.match(r.id, uuid));
  const storedVoucher = await step('retrieveVoucher', () => client.retrieveVoucher(voucher.id), (v) => {
    assert.equal(v.voucherNumber, 'JS-2026-0001');
    assert.equal(v.voucherStatus, 'open');
    assert.equal(v.totalGrossAmount, 119);
  });
  await step('filterVoucher by number', () => client.filterVoucher({ voucherNumber: 'JS-2026-0001' }),
    (page) => {
      assert.equal(page.content.length, 1);
      assert.equal(page.content[0].id, voucher.id);
    });
  await step(
    'updateVoucher',
    () =>
      client.updateVoucher(voucher.id, { ...voucherBody, version: storedVoucher.version,
        remark: 'changed by the client' }),
    (r) => assert.equal(r.version, storedVoucher.version + 1),
  );

  // Files: an upload creates a voucher; a second file is attached to the bookkeeping voucher.
  const upload = new FormData();
  upload.append('file', pdf, { filename: 'beleg.pdf', contentType: 'application/pdf' });
  upload.append('type', 'voucher');
  const file = await step('uploadFile', () => client.uploadFile(upload), (r) => {
    assert.match(r.id, uuid);
  });
  await step('downloadFile (the upload)', () => client.downloadFile(file.id), (data) => {
    assert.deepEqual(Buffer.from(data), pdf);
  });
  const attachment = new FormData();
  attachment.append('file', pdf, { filename: 'anhang.pdf', contentType: 'application/pdf' });
  const attached = await step('uploadFileToVoucher', () => client.uploadFileToVoucher(attachment, voucher.id),
    (r) => assert.match(r.id, uuid));
  await step('retrieveVoucher (with its file)', () => client.retrieveVoucher(voucher.id), (v) => {
    assert.deepEqual(v.files, [attached.id]);
  });

  // The voucher list sees all three documents.
  await step(
    'retrieveVoucherlist',
    () =>
      client.retrieveVoucherlist({
        voucherType: 'invoice,creditnote,salesinvoice,quotation,orderconfirmation',
        voucherStatus: 'any', size: 100 }),
    (page) => {
      const ids = page.content.map((row) => row.id);
      for (const id of [invoice.id, creditNote.id, voucher.id, quotation.id, order.id]) {
        assert.ok(ids.includes(id), `${id} is listed`);
      }
      const row = page.content.find((r) => r.id === invoice.id);
      assert.equal(row.voucherType, 'invoice');
      assert.equal(row.contactName, 'Drittanbieter Test GmbH');
    },
  );

  // Event subscriptions (the callback's HEAD check reaches the sandbox's own health endpoint).
  const subscription = await step(
    'createEventSubscription',
    () => client.createEventSubscription({ eventType: 'invoice.created',
      callbackUrl: baseUrl + '/_sandbox/health' }),
    (r) => assert.match(r.id, uuid),
  );
  await step('retrieveEventSubscription', () => client.retrieveEventSubscription(subscription.id),
    (s) => {
      assert.equal(s.subscriptionId, subscription.id);
      assert.equal(s.eventType, 'invoice.created');
    });
  await step('retrieveAllEventSubscriptions', () => client.retrieveAllEventSubscriptions(),
    (all) => assert.ok(all.content.some((s) => s.subscriptionId === subscription.id)));
  await step('deleteEventSubscription', () => client.deleteEventSubscription(subscription.id));

  // Errors: each answer must reach the caller as the client's matching error class.
  await failing('retrieveInvoice of an unknown id', () => client.retrieveInvoice(unknownId),
    lexoffice.RequestNotFoundError, 404, (e) => {
      assert.equal(e.path, `/v1/invoices/${unknownId}`);
      assert.ok(e.traceId, 'traceId');
      assert.ok(e.timestamp instanceof Date && !isNaN(e.timestamp), 'timestamp');
    });
  await failing('retrieveEventSubscription after delete',
    () => client.retrieveEventSubscription(subscription.id), lexoffice.RequestNotFoundError, 404);
  await failing('retrieveQuotation of an invoice id', () => client.retrieveQuotation(invoice.id),
    lexoffice.RequestNotFoundError, 404);
  await failing('renderOrderConfirmationDocumentFileId of a draft',
    () => client.renderOrderConfirmationDocumentFileId(order.id),
    lexoffice.RequestMethodNotAcceptableError, 406);
  await failing('createQuotation without expirationDate',
    () =>
      client.createQuotation({
        voucherDate: '2026-03-02T00:00:00.000+01:00',
        address: { contactId: contact.id },
        lineItems: [{ type: 'text', name: 'Nur Text' }],
        totalPrice: { currency: 'EUR' },
        taxConditions: { taxType: 'net' },
      }),
    lexoffice.RequestMethodNotAcceptableError, 406,
    (e) => assert.ok(e.details.some((d) => d.field === 'expirationDate'), JSON.stringify(e.details)));
  await failing('retrieveDownPaymentInvoice of an unknown id',
    () => client.retrieveDownPaymentInvoice(unknownId), lexoffice.RequestNotFoundError, 404);
  await failing('retrieveRecurringTemplate of an unknown id',
    () => client.retrieveRecurringTemplate(unknownId), lexoffice.RequestNotFoundError, 404);
  await failing(
    'createInvoice without line item prices',
    () =>
      client.createInvoice({
        voucherDate: '2026-03-02T00:00:00.000+01:00',
        address: { contactId: contact.id },
        lineItems: [{ type: 'custom', name: 'Ohne Preis', quantity: 1, unitName: 'Stück' }],
        totalPrice: { currency: 'EUR' },
        taxConditions: { taxType: 'net' },
        shippingConditions: { shippingDate: '2026-03-02T00:00:00.000+01:00',
          shippingType: 'service' },
      }),
    lexoffice.RequestMethodNotAcceptableError,
    406,
    (e) => {
      assert.ok(Array.isArray(e.details) && e.details.length > 0, 'details');
      assert.ok(e.details.some((d) => d.field.startsWith('lineItems[0].unitPrice')));
    },
  );
  await failing('createContact without a name',
    () => client.createContact({ version: 0, roles: { customer: {} }, company: {} }),
    lexoffice.RequestMethodNotAcceptableLegacyError, 406, (e) => {
      assert.ok(e.issueList.some((i) => i.source === 'company.name' && i.i18nKey === 'missing_entity'),
        JSON.stringify(e.issueList));
    });
  await failing('updateContact with a stale version',
    () => client.updateContact(contact.id, { ...stored, version: 1 }),
    lexoffice.RequestMethodNotAcceptableLegacyError, 406,
    (e) => assert.ok(e.issueList.some((i) => i.source === 'version'), JSON.stringify(e.issueList)));
  await failing('filterVoucher without a number', () => client.filterVoucher({}),
    lexoffice.RequestBadRequestLegacyError, 400);
  await failing('retrieveVoucherlist without voucherStatus',
    () => client.retrieveVoucherlist({ voucherType: 'invoice' }), lexoffice.RequestBadRequestError, 400,
    (e) => assert.ok(e.messageOrig, 'message'));
  await failing('downloadFile of an unknown id', () => client.downloadFile(unknownId),
    lexoffice.RequestNotFoundError, 404);
  const gif = new FormData();
  gif.append('file', Buffer.from('GIF89a\x01\x00\x01\x00'), { filename: 'bild.gif', contentType: 'image/gif' });
  gif.append('type', 'voucher');
  await failing('uploadFile of a GIF', () => client.uploadFile(gif),
    lexoffice.RequestMethodNotAcceptableLegacyError, 406,
    (e) => assert.ok(e.issueList.some((i) => i.i18nKey === 'inacceptable_file_extension'),
      JSON.stringify(e.issueList)));
  await failing('retrieveProfile with a wrong key', () => clientFor('not-a-key').retrieveProfile(),
    lexoffice.RequestUnauthorizedError, 401, (e) => assert.equal(e.messageOrig, 'Unauthorized'));
  const limited = clientFor(apiKey, limitedUrl);
  await step('retrieveProfile (the only request in the bucket)', () => limited.retrieveProfile());
  await failing('retrieveProfile (bucket empty)', () => limited.retrieveProfile(),
    lexoffice.RequestTooManyRequestsError, 429,
    (e) => assert.equal(e.messageOrig, 'Rate limit exceeded'));

  console.log(`1..${steps}`);
}

main().catch((e) => {
  console.error(`not ok - ${e.stack || e}`);
  process.exit(1);
});
