// The scan app (/scan) in headless Chromium against a gateway that enforces trusted
// documents (make test-browser-enforce: the manifest holds `{ __typename }` only, the
// bypass secret is "browser-test"):
//   1. without the bypass, a scan is refused with PERSISTED_QUERY_NOT_ALLOWED and the
//      request id, and its code is not kept (a retry would be refused again);
//   2. opened as /scan#bypass=browser-test, the secret leaves the URL, is sent as
//      x-trusted-documents-bypass, and the scan shows its product.
// Usage: node scan-enforce.mjs http://127.0.0.1:8080
import { chromium } from 'playwright-core';

const base = (process.argv[2] ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
let passed = 0;
let failed = 0;
function check(name, problem) {
  if (problem) { failed += 1; console.log(`FAIL ${name}: ${problem}`); }
  else { passed += 1; console.log(`ok   ${name}`); }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  const sentBypass = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/graphql') sentBypass.push(request.headers()['x-trusted-documents-bypass'] ?? '');
  });

  await page.goto(`${base}/scan`, { waitUntil: 'load', timeout: 20000 });
  await page.locator('#code').fill('036000291452');
  await page.keyboard.press('Enter');
  await page.locator('#card [data-status="ERROR"]').waitFor({ timeout: 20000 });
  const refused = await page.locator('#card').innerText();
  check('without the bypass, a scan is refused with its code and request id',
    refused.includes('PERSISTED_QUERY_NOT_ALLOWED') && await page.locator('#card [data-request-id]').count() === 1
      ? '' : refused.slice(0, 300));
  check('the refused code is not kept',
    await page.evaluate(() => window.scanApp.state().pending.length) === 0 ? '' : 'still pending');

  // A fresh load (a hash change alone would not reload the page).
  await page.goto('about:blank');
  await page.goto(`${base}/scan#bypass=browser-test`, { waitUntil: 'load' });
  check('the secret leaves the address bar', new URL(page.url()).hash === '' ? '' : page.url());
  await page.locator('#code').fill('036000291452');
  await page.keyboard.press('Enter');
  await page.locator('#card [data-status="FOUND"]').waitFor({ timeout: 20000 });
  check('with the bypass, the scan shows its product', sentBypass.at(-1) === 'browser-test' ? '' : JSON.stringify(sentBypass));
} catch (error) {
  check('scan app under enforce', String(error?.stack ?? error));
} finally {
  await browser.close();
}
console.log(`scan enforce browser test: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
