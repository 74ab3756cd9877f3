// Opens GraphiQL at the gateway's `/` in headless Chromium (Debian's, no download),
// runs the default query, and checks that a demo product title shows in the result
// pane. Fails if any request left the machine (GraphiQL must be fully offline).
// Usage: node graphiql.mjs http://127.0.0.1:8080/ [screenshot.png]
import { chromium } from 'playwright-core';

const base = process.argv[2] ?? 'http://127.0.0.1:8080/';
const screenshot = process.argv[3];
const expected = 'Cloudsoft Facial Tissue';

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = false;
try {
  const page = await browser.newPage();
  const foreign = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (!['127.0.0.1', 'localhost'].includes(url.hostname) && url.protocol !== 'data:') {
      foreign.push(request.url());
    }
  });
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));

  await page.goto(base, { waitUntil: 'networkidle', timeout: 20000 });
  await page.waitForSelector('.graphiql-execute-button', { timeout: 20000 });
  await page.click('.graphiql-execute-button');
  const result = page.locator('.graphiql-response');
  await result.getByText(expected).first().waitFor({ timeout: 20000 });
  const text = await result.innerText();
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });

  if (foreign.length) { failed = true; console.log(`FAIL requests left the machine: ${foreign.join(', ')}`); }
  if (errors.length) { failed = true; console.log(`FAIL page errors: ${errors.join('; ')}`); }
  if (!text.includes(expected)) { failed = true; console.log('FAIL result pane lacks the product title'); }
} catch (error) {
  failed = true;
  console.log(`FAIL ${error}`);
} finally {
  await browser.close();
}
console.log(failed ? 'graphiql browser test: 0 passed, 1 failed' : 'graphiql browser test: 1 passed, 0 failed');
process.exit(failed ? 1 : 0);
