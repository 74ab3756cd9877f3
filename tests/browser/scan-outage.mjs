// The scan app (/scan) in headless Chromium against a gateway whose catalog is down
// (started with --upstream-url pointing at a closed port): a scan shows "the catalog
// is not answering" with the gateway's error code and the x-request-id support needs,
// keeps the code pending across a reload, and adds nothing to the basket; a refused
// request (too many codes for --max-gtins-per-query) drops its codes.
// Usage: node scan-outage.mjs http://127.0.0.1:8080
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
  const requestIds = [];
  page.on('response', (response) => {
    if (new URL(response.url()).pathname === '/graphql') requestIds.push(response.headers()['x-request-id']);
  });
  await page.goto(`${base}/scan`, { waitUntil: 'load', timeout: 20000 });
  await page.locator('#code').fill('036000291452');
  await page.keyboard.press('Enter');
  const card = page.locator('#card [data-status="UNAVAILABLE"]');
  await card.waitFor({ timeout: 20000 });
  const text = await page.locator('#card').innerText();
  check('an upstream outage says the catalog is not answering, with the error code',
    text.includes('not answering') && text.includes('UPSTREAM_') ? '' : text.slice(0, 300));
  const shown = await page.locator('#card [data-request-id]').getAttribute('data-request-id');
  check('the x-request-id of the answer is shown',
    shown && shown === requestIds[requestIds.length - 1] ? '' : `shown ${shown}, sent ${requestIds.join(', ')}`);
  check('nothing is added to the basket', await page.locator('#lines li').count() === 0 ? '' : 'a line was added');
  await page.reload({ waitUntil: 'load' });
  await page.locator('#card [data-status="UNAVAILABLE"]').waitFor({ timeout: 20000 });
  check('the code stays pending and is sent again after a reload',
    (await page.locator('#pending').innerText()).includes('1 code') ? '' : await page.locator('#pending').innerText());

  // A refusal (here TOO_MANY_GTINS: the gateway runs with --max-gtins-per-query 4) is
  // shown with its code and request id, and its codes are dropped, not retried forever.
  await page.locator('#code').focus();
  await page.evaluate(() => {
    const data = new DataTransfer();
    data.setData('text/plain', '96385074\n50123452\n47112346\n4012345000122\n4023588000503');
    document.getElementById('code').dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  });
  await page.locator('#card [data-status="ERROR"]').waitFor({ timeout: 20000 });
  const refusal = await page.locator('#card').innerText();
  check('a refused lookup shows the error code and the request id',
    refusal.includes('refused') && refusal.includes('TOO_MANY_GTINS')
      && await page.locator('#card [data-request-id]').count() === 1 ? '' : refusal.slice(0, 300));
  check('refused codes are not kept', (await page.locator('#pending').innerText()) === ''
    && await page.evaluate(() => window.scanApp.state().pending.length) === 0 ? '' : await page.locator('#pending').innerText());
} catch (error) {
  check('scan app outage session', String(error?.stack ?? error));
} finally {
  await browser.close();
}
console.log(`scan outage browser test: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
