// The scan app (/scan) in headless Chromium (Debian's, no download), used as a store
// associate would, against a gateway started with `--rcn-region GB`:
//   1. typing a code (and Enter, as a USB scanner does) shows its product card;
//      the first request sends only the APQ hash, the second the text;
//   2. an invalid code shows the gateway's reason and hint;
//   3. a failed request shows its x-request-id, keeps the code, and Retry sends it;
//   4. pasting a basket makes lines (two spellings of one item: one line, quantity 2;
//      a variable-measure label priced from the label) and a total per currency, in
//      one request; the basket survives a reload; a line is removed with the keyboard;
//   5. the camera: Chromium's fake camera plays a video made here from an EAN-13 this
//      test renders (bwip-js), and the product appears in the basket;
//   6. a 360 px phone in dark mode has no horizontal scroll;
//   7. the camera again, showing a GS1 DataMatrix (GTIN + lot + expiry) and a GS1 Digital
//      Link QR code together: both products, the DataMatrix sent as `]d2…`;
//   8. axe-core finds no WCAG 2 A/AA violation, light and dark, 360 px and desktop.
// Fails if any request left the machine, on a page error or a CSP violation.
// Usage: node scan.mjs http://127.0.0.1:8080   (SCREENSHOTS=dir writes scan-desktop.png
// and scan-phone.png there)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import bwipjs from 'bwip-js';
import { chromium } from 'playwright-core';

const base = (process.argv[2] ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const screenshots = process.env.SCREENSHOTS;
const CAMERA_CODE = '5012345670102'; // Brackenbury English Breakfast Tea (demo catalog, GBP)
const CAMERA_TITLE = 'Brackenbury English Breakfast Tea';
const TISSUE = 'Cloudsoft Facial Tissue';
// SCAN_SOURCE_PRICES=none: the catalog behind the gateway has no prices or stock (Open
// Food Facts): cards must say so ("No price", "Availability unknown") and only a
// variable-measure label, priced by its own digits, adds to a total.
const pricesKnown = process.env.SCAN_SOURCE_PRICES !== 'none';

let passed = 0;
let failed = 0;
function check(name, problem) {
  if (problem) { failed += 1; console.log(`FAIL ${name}: ${problem}`); }
  else { passed += 1; console.log(`ok   ${name}`); }
}

// ---- the camera's video: an EAN-13 rendered here, written as Y4M frames ----

/** RGBA pixels of an 8-bit RGBA, non-interlaced PNG (what bwip-js writes). */
function decodePng(png) {
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  if (png[24] !== 8 || png[25] !== 6 || png[28] !== 0) throw new Error('expected an 8-bit RGBA PNG');
  const chunks = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    if (type === 'IDAT') chunks.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = zlib.inflateSync(Buffer.concat(chunks));
  const stride = width * 4;
  const out = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const left = x >= 4 ? out[y * stride + x - 4] : 0;
      const up = y > 0 ? out[(y - 1) * stride + x] : 0;
      const upLeft = x >= 4 && y > 0 ? out[(y - 1) * stride + x - 4] : 0;
      let value = line[x];
      if (filter === 1) value += left;
      else if (filter === 2) value += up;
      else if (filter === 3) value += (left + up) >> 1;
      else if (filter === 4) {
        const p = left + up - upLeft;
        const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        value += pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      }
      out[y * stride + x] = value & 0xff;
    }
  }
  return { width, height, rgba: out };
}

/** Writes a Y4M video (640x480, grey) showing these bwip-js symbols side by side. */
async function barcodeVideo(file, symbols) {
  const images = [];
  for (const options of symbols) {
    images.push(decodePng(await bwipjs.toBuffer({ backgroundcolor: 'FFFFFF', paddingwidth: 12, paddingheight: 12, ...options })));
  }
  const [W, H] = [640, 480];
  const width = images.reduce((sum, image) => sum + image.width, 0);
  if (width > W || images.some((image) => image.height > H)) throw new Error('symbols larger than the frame');
  const luma = Buffer.alloc(W * H, 255);
  let left = (W - width) >> 1;
  for (const image of images) {
    const top = (H - image.height) >> 1;
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) {
        const i = (y * image.width + x) * 4;
        const [r, g, b, a] = image.rgba.subarray(i, i + 4);
        const grey = 0.299 * r + 0.587 * g + 0.114 * b;
        luma[(top + y) * W + left + x] = Math.round((grey * a + 255 * (255 - a)) / 255);
      }
    }
    left += image.width;
  }
  const chroma = Buffer.alloc((W / 2) * (H / 2) * 2, 128); // no colour
  const frames = [Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`)];
  for (let i = 0; i < 10; i++) frames.push(Buffer.from('FRAME\n'), luma, chroma);
  fs.writeFileSync(file, Buffer.concat(frames));
}

function launch(video) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`],
  });
}

// ---- the session ----

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-test-'));
const video = path.join(dir, 'ean13.y4m');
await barcodeVideo(video, [{ bcid: 'ean13', text: CAMERA_CODE, scale: 3, height: 22, includetext: true }]);
// A GS1 DataMatrix (GTIN, lot, expiry) and a GS1 Digital Link QR code in one picture.
const video2d = path.join(dir, 'gs1-2d.y4m');
await barcodeVideo(video2d, [
  { bcid: 'gs1datamatrix', text: `(01)0${CAMERA_CODE}(10)LOT42(17)301231`, scale: 4 },
  { bcid: 'qrcode', text: 'https://id.gs1.org/01/05000159001144', scale: 3 },
]);

const browser = await launch(video);
let browser2d = null;

const foreign = [];
const problems = [];
const graphql = []; // every POST /graphql body, in order
function watch(page) {
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin !== base && url.protocol !== 'data:' && url.protocol !== 'blob:') foreign.push(request.url());
    if (url.pathname === '/graphql') graphql.push(JSON.parse(request.postData() ?? '{}'));
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error}`));
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
  });
}

const card = (page) => page.locator('#card');
async function scanTyped(page, code) {
  await page.locator('#code').fill(code);
  await page.keyboard.press('Enter');
}
async function basketLines(page) {
  return page.locator('#lines li').evaluateAll((items) => items.map((li) => ({
    key: li.dataset.key,
    quantity: Number(li.dataset.quantity),
    title: li.querySelector('.line-title')?.textContent ?? '',
    amount: li.querySelector('.line-amount')?.dataset.amount ?? '',
  })));
}
async function totals(page) {
  return Object.fromEntries(await page.locator('#totals .total').evaluateAll((items) =>
    items.map((t) => [t.dataset.currency, t.dataset.amount])));
}
const cents = (amount) => Math.round(Number(amount) * 100);

try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
  const page = await context.newPage();
  watch(page);
  const response = await page.goto(`${base}/scan`, { waitUntil: 'load', timeout: 20000 });
  const csp = response.headers()['content-security-policy'] ?? '';
  check('the page has a same-origin Content-Security-Policy',
    csp.includes("default-src 'none'") && csp.includes("connect-src 'self'") ? '' : `CSP: ${csp}`);
  check('the barcode field has the focus on load (a USB scanner types straight in)',
    await page.evaluate(() => document.activeElement?.id === 'code') ? '' : 'focus elsewhere');

  // The JS sha256 (used where WebCrypto is missing: plain http on a LAN) agrees with WebCrypto.
  const shaMismatch = await page.evaluate(async () => {
    const inputs = ['', 'abc', 'x'.repeat(55), 'y'.repeat(64), 'query { é 漢字 }'.repeat(20)];
    for (const text of inputs) {
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
      const expected = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
      if (window.scanApp.sha256Hex(text) !== expected) return text.slice(0, 20);
    }
    return '';
  });
  check('the fallback sha256 equals WebCrypto', shaMismatch ? `differs for ${JSON.stringify(shaMismatch)}` : '');

  // 1. Typing a code shows its card; APQ: hash first, then the text.
  await scanTyped(page, '036000291452');
  await card(page).locator('[data-status="FOUND"]').waitFor({ timeout: 15000 });
  const cardText = await card(page).innerText();
  check('typing a code shows its product card (title, brand, price, availability)',
    cardText.includes(TISSUE) && cardText.includes('Cloudsoft')
      && (pricesKnown
        ? /\$2\.49|2\.49/.test(cardText) && cardText.includes('In stock')
        : cardText.includes('No price') && cardText.includes('Availability unknown'))
      ? '' : `card: ${cardText.slice(0, 300)}`);
  const facts = await card(page).locator('.facts').evaluate((node) => node.textContent).catch(() => '');
  check('the card says what the code is (kind, GS1 prefix)',
    facts.includes('Trade item') && facts.includes('GS1 prefix') ? '' : `facts: ${facts}`);
  check('the card shows a placeholder for an image hosted off the gateway',
    await card(page).locator('.placeholder[role="img"]').count() === 1 ? '' : 'no placeholder');
  const [first, second] = graphql;
  check('APQ: the first request sends only the hash, the retry after PERSISTED_QUERY_NOT_FOUND the text',
    // (One request only if this gateway already knew the hash: a reused gateway.)
    !first?.query && first?.extensions?.persistedQuery?.sha256Hash
      && (graphql.length === 1 || (graphql.length === 2 && second.query?.includes('lookups(codes:')
        && second.query.includes('gtin(code:')))
      ? '' : `requests: ${JSON.stringify(graphql).slice(0, 300)}`);
  check('the live region announces the result',
    (await page.locator('#announce').innerText()).includes(TISSUE) ? '' : 'announce empty');

  // A code the catalog lacks: its own message.
  await scanTyped(page, '4006381333931');
  await card(page).locator('[data-status="NOT_FOUND"]').waitFor({ timeout: 15000 });
  check('a code the catalog lacks says so',
    (await card(page).innerText()).includes('Not in the catalog') ? '' : await card(page).innerText());

  // 2. An invalid code: reason and hint, one request (the hash is known now).
  let mark = graphql.length;
  await scanTyped(page, '36000291452');
  await card(page).locator('[data-status="INVALID"]').waitFor({ timeout: 15000 });
  const invalid = await card(page).innerText();
  check('an invalid code shows the reason and the hint',
    invalid.includes('INVALID_LENGTH') && /did you mean 036000291452/.test(invalid) ? '' : `card: ${invalid.slice(0, 300)}`);
  check('a warm scan is one request, hash only',
    graphql.length - mark === 1 && !graphql[mark].query ? '' : `${graphql.length - mark} requests`);
  // The hint's suggestion is a button: pressing it scans the corrected code.
  await card(page).getByRole('button', { name: /Scan 036000291452 instead/ }).click();
  await card(page).locator('[data-status="FOUND"]').waitFor({ timeout: 15000 });
  let lines = await basketLines(page);
  check('the hint\'s correction scans as the same line (quantity 2)',
    lines.length === 1 && lines[0].quantity === 2 ? '' : JSON.stringify(lines));

  // 3. A failed request (here a 503 as the shed would answer): its x-request-id is
  //    shown, the code is kept, Retry sends it.
  await page.route('**/graphql', (route) => route.fulfill({
    status: 503,
    headers: { 'content-type': 'application/json', 'x-request-id': 'req-test-503' },
    body: JSON.stringify({ errors: [{ message: 'the gateway is at capacity', extensions: { code: 'OVERLOADED' } }] }),
  }));
  await scanTyped(page, '96385074');
  await card(page).locator('[data-status="ERROR"]').waitFor({ timeout: 15000 });
  const failure = await card(page).innerText();
  check('a failed request shows its x-request-id',
    failure.includes('req-test-503') && failure.includes('OVERLOADED') ? '' : `card: ${failure.slice(0, 300)}`);
  await page.unroute('**/graphql');
  await card(page).getByRole('button', { name: 'Retry' }).click();
  await card(page).locator('[data-status="FOUND"] h3', { hasText: 'Minzfrisch' }).waitFor({ timeout: 15000 });
  check('Retry sends the kept code', '');

  // 4. Paste a basket: one request, lines merged, label priced, totals per currency.
  await page.getByRole('button', { name: 'Clear basket' }).click();
  mark = graphql.length;
  const pasted = ['036000291452', '4006381333931', '0036000291452', CAMERA_CODE, '2011122912346'].join('\n');
  await page.locator('#code').focus();
  await page.evaluate((text) => {
    const data = new DataTransfer();
    data.setData('text/plain', text);
    document.getElementById('code').dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, pasted);
  await page.locator('#lines li').nth(2).waitFor({ timeout: 15000 });
  await page.locator('#summary').getByText('4006381333931').waitFor({ timeout: 15000 });
  lines = await basketLines(page);
  const tissue = lines.find((l) => l.title.includes(TISSUE));
  const tea = lines.find((l) => l.title.includes(CAMERA_TITLE));
  const ham = lines.find((l) => l.key.startsWith('label:'));
  check('pasting a basket shows its lines (12 and 13 digits: one line, quantity 2)',
    lines.length === 3 && tissue?.quantity === 2 && tea?.quantity === 1 && ham ? '' : JSON.stringify(lines));
  check('a variable-measure label is priced from the label', ham?.amount === '12.34' ? '' : JSON.stringify(ham));
  const sums = await totals(page);
  check('the total is per currency',
    (pricesKnown
      ? sums.USD === '4.98' && cents(sums.GBP) === cents(tea?.amount) + 1234
      : sums.USD === undefined && sums.GBP === '12.34' && !tea?.amount)
      ? '' : JSON.stringify(sums));
  check('what the catalog lacks is listed as not added',
    (await page.locator('#summary').innerText()).includes('not in the catalog') ? '' : 'summary');
  check('the pasted basket is one request', graphql.length - mark === 1 ? '' : `${graphql.length - mark} requests`);

  // The basket survives a reload, with no request.
  mark = graphql.length;
  await page.reload({ waitUntil: 'load' });
  const reloaded = await basketLines(page);
  check('the basket is kept across a reload',
    JSON.stringify(reloaded) === JSON.stringify(lines) && JSON.stringify(await totals(page)) === JSON.stringify(sums)
      && graphql.length === mark ? '' : JSON.stringify(reloaded));

  // Keyboard only: Tab from the field reaches the buttons; Remove with Enter.
  await page.locator('#code').focus();
  await page.keyboard.press('Tab');
  const afterField = await page.evaluate(() => document.activeElement?.textContent);
  await page.keyboard.press('Tab');
  const afterLookUp = await page.evaluate(() => document.activeElement?.textContent);
  check('focus order: field, Look up, Start camera',
    afterField === 'Look up' && afterLookUp === 'Start camera' ? '' : `${afterField}, ${afterLookUp}`);
  // A USB scanner typing while the focus is elsewhere (here a link): the keys land in the field.
  await page.getByRole('link', { name: 'GraphiQL' }).focus();
  await page.keyboard.type('96385074');
  await page.keyboard.press('Enter');
  await card(page).locator('[data-status="FOUND"] h3', { hasText: 'Minzfrisch' }).waitFor({ timeout: 15000 })
    .then(() => check('a wedge scan with the focus outside the field still scans', ''))
    .catch(() => check('a wedge scan with the focus outside the field still scans', `url ${page.url()}`));
  await page.getByRole('button', { name: `Remove ${tea?.title}` }).focus();
  await page.keyboard.press('Enter');
  lines = await basketLines(page);
  check('Remove (keyboard) drops the line and keeps the focus on a Remove button',
    lines.length === 3 && !lines.some((l) => l.title.includes(CAMERA_TITLE))
      && await page.evaluate(() => document.activeElement?.classList.contains('remove')) ? '' : JSON.stringify(lines));
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('button, input, a')]
    .filter((node) => !(node.labels?.[0]?.textContent || node.getAttribute('aria-label') || node.textContent).trim())
    .map((node) => node.outerHTML.slice(0, 60)));
  check('every control has an accessible name', unnamed.length ? unnamed.join(', ') : '');

  // 5. The camera: the fake camera shows the EAN-13 rendered above.
  const wasm = page.waitForResponse((r) => r.url().endsWith('/assets/scan/zxing_reader.wasm'), { timeout: 20000 }).catch(() => null);
  const native = await page.evaluate(() => 'BarcodeDetector' in window);
  await page.getByRole('button', { name: 'Start camera' }).click();
  if (!native) {
    const wasmResponse = await wasm;
    check('the fallback reader loads its wasm from the gateway (gzip)',
      wasmResponse?.ok() && wasmResponse.headers()['content-encoding'] === 'gzip' ? '' : `wasm: ${wasmResponse?.status()}`);
  }
  await card(page).locator('[data-status="FOUND"] h3', { hasText: CAMERA_TITLE }).waitFor({ timeout: 30000 })
    .catch(async () => { throw new Error(`camera: ${await page.locator('#camera-status').innerText()}`); });
  lines = await basketLines(page);
  check(`a camera scan adds the product (${native ? 'native' : 'ZXing'} reader)`,
    lines.some((l) => l.title.includes(CAMERA_TITLE) && l.quantity === 1) ? '' : JSON.stringify(lines));
  await page.getByRole('button', { name: 'Stop camera' }).click();
  if (screenshots) {
    await page.locator('#code').blur();
    await page.screenshot({ path: path.join(screenshots, 'scan-desktop.png') });
  }

  // 6. A 360 px phone, dark: no horizontal scroll, the dark palette applies.
  const phone = await browser.newContext({
    viewport: { width: 360, height: 780 }, deviceScaleFactor: 1, colorScheme: 'dark', isMobile: true, hasTouch: true,
  });
  const small = await phone.newPage();
  watch(small);
  await small.goto(`${base}/scan`, { waitUntil: 'load' });
  await scanTyped(small, '5036000007713');
  await card(small).locator('[data-status="FOUND"]').waitFor({ timeout: 15000 });
  const layout = await small.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    background: getComputedStyle(document.body).backgroundColor,
  }));
  check('360 px wide: nothing scrolls sideways', layout.scroll <= 360 ? '' : `scrollWidth ${layout.scroll}`);
  check('dark mode follows the system', layout.background === 'rgb(15, 18, 22)' ? '' : layout.background);
  if (screenshots) await small.screenshot({ path: path.join(screenshots, 'scan-phone.png'), fullPage: true });

  // 7. 2D codes from the camera: a GS1 DataMatrix (an element string, sent with the
  //    ]d2 the detector drops) and a GS1 Digital Link QR code, seen together: one burst.
  browser2d = await launch(video2d);
  const page2d = await (await browser2d.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
  watch(page2d);
  await page2d.goto(`${base}/scan`, { waitUntil: 'load' });
  mark = graphql.length;
  await page2d.getByRole('button', { name: 'Start camera' }).click();
  await page2d.locator('#lines li').nth(1).waitFor({ timeout: 30000 })
    .catch(async () => { throw new Error(`2D camera: ${await page2d.locator('#camera-status').innerText()}; card: ${await card(page2d).innerText()}`); });
  lines = await basketLines(page2d);
  const sent = graphql.slice(mark).flatMap((body) => body.variables?.codes ?? []);
  check('a GS1 DataMatrix and a Digital Link QR code scan to their products',
    lines.some((l) => l.title.includes(CAMERA_TITLE)) && lines.some((l) => l.title.includes('Thistledown'))
      ? '' : JSON.stringify(lines));
  check('the DataMatrix is sent as a GS1 element string (]d2)',
    sent.some((code) => code.startsWith(`]d2010${CAMERA_CODE}10LOT42`)) ? '' : JSON.stringify(sent));
  const teaLine = await page2d.locator('#lines li', { hasText: CAMERA_TITLE }).innerText().catch(() => '');
  check('the DataMatrix line shows its lot and expiry',
    teaLine.includes('lot LOT42') && teaLine.includes('exp. 2030-12-31') ? '' : teaLine);
  await page2d.getByRole('button', { name: 'Stop camera' }).click();

  // 8. axe-core (WCAG 2 A/AA and best practices: names, labels, contrast, landmarks) on
  //    a card, an invalid code and a basket, light and dark, phone and desktop. Its
  //    script is injected, so this context alone bypasses the page's CSP.
  const axe = fs.readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
  for (const colorScheme of ['light', 'dark']) {
    for (const width of [360, 1280]) {
      const audited = await browser.newContext({ viewport: { width, height: 800 }, colorScheme, bypassCSP: true });
      const auditPage = await audited.newPage();
      watch(auditPage);
      await auditPage.goto(`${base}/scan`, { waitUntil: 'load' });
      await scanTyped(auditPage, '036000291452');
      await card(auditPage).locator('[data-status="FOUND"]').waitFor({ timeout: 15000 });
      await scanTyped(auditPage, '36000291452');
      await card(auditPage).locator('[data-status="INVALID"]').waitFor({ timeout: 15000 });
      await auditPage.addScriptTag({ content: axe });
      const violations = await auditPage.evaluate(async () => (await window.axe.run(document, {
        runOnly: ['wcag2a', 'wcag2aa', 'best-practice'],
      })).violations.map((v) => `${v.id} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`));
      check(`axe-core: no accessibility violation (${colorScheme}, ${width} px)`, violations.join('; '));
      await audited.close();
    }
  }

  check('no request left the machine', foreign.length ? foreign.join(', ') : '');
  check('no page error or CSP violation', problems.length ? problems.join('; ') : '');
} catch (error) {
  check('scan app session', String(error?.stack ?? error));
} finally {
  await browser.close();
  await browser2d?.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log(`scan browser test: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
