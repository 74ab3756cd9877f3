// Opens GraphiQL at the gateway's `/` in headless Chromium (Debian's, no download)
// and uses it as a person exploring the API would:
//   1. on load, GraphiQL fetches the schema with its own introspection query: the
//      response pane must show no error (it showed QUERY_TOO_DEEP once);
//   2. the documentation explorer lists the query root's fields `product`,
//      `products`, `lookups` and `gtin`;
//   3. typing `{ prod` in the editor offers `product` and `products`;
//   4. running the default query shows a demo product title in the response pane.
// Fails if any request left the machine (GraphiQL must be fully offline).
// Usage: node graphiql.mjs http://127.0.0.1:8080/ [screenshot.png]
import { chromium } from 'playwright-core';

const base = process.argv[2] ?? 'http://127.0.0.1:8080/';
const screenshot = process.argv[3];
const expected = 'Cloudsoft Facial Tissue';
const rootFields = ['product', 'products', 'lookups', 'gtin'];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let passed = 0;
let failed = 0;
function check(name, problem) {
  if (problem) { failed += 1; console.log(`FAIL ${name}: ${problem}`); }
  else { passed += 1; console.log(`ok   ${name}`); }
}

try {
  // A 1400 px screen: the default document must fit the editor without scrolling.
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const foreign = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (!['127.0.0.1', 'localhost'].includes(url.hostname) && url.protocol !== 'data:') {
      foreign.push(request.url());
    }
  });
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  // GraphiQL's own schema fetch: the response to the introspection query it sends.
  const introspection = page.waitForResponse(async (response) => {
    const body = response.request().postData() ?? '';
    return response.url().endsWith('/graphql') && body.includes('__schema');
  }, { timeout: 20000 });

  await page.goto(base, { waitUntil: 'networkidle', timeout: 20000 });
  await page.waitForSelector('.graphiql-execute-button', { timeout: 20000 });

  // 1. The schema loads: its answer has no errors and nothing shows in the response pane.
  const schemaResponse = await introspection;
  const schemaBody = await schemaResponse.json().catch(() => ({}));
  check('GraphiQL introspection answered without errors',
    schemaResponse.status() === 200 && !schemaBody.errors && schemaBody.data?.__schema
      ? '' : `HTTP ${schemaResponse.status()}: ${JSON.stringify(schemaBody).slice(0, 200)}`);
  const overflow = await page.evaluate(() => {
    const scroller = document.querySelector('.graphiql-query-editor .CodeMirror-scroll');
    return scroller ? scroller.scrollWidth - scroller.clientWidth : 'no query editor found';
  });
  check('the default document fits the editor at 1400 px (no sideways scroll)',
    overflow === 0 || (typeof overflow === 'number' && overflow <= 1) ? '' : `overflows by ${overflow} px`);
  const paneOnLoad = (await page.locator('.graphiql-response').innerText()).replace(/[\s\u200b]+/g, '');
  check('response pane empty on load', paneOnLoad === '' ? '' : `shows ${paneOnLoad.slice(0, 200)}`);

  // 2. The documentation explorer lists the root fields.
  await page.getByRole('button', { name: /Documentation Explorer/ }).first().click();
  const explorer = page.locator('.graphiql-doc-explorer');
  await explorer.locator('.graphiql-doc-explorer-type-name', { hasText: 'Query' }).first()
    .click({ timeout: 10000 });
  await explorer.locator('.graphiql-doc-explorer-field-name').first().waitFor({ timeout: 10000 });
  const listed = await explorer.locator('.graphiql-doc-explorer-field-name').allInnerTexts();
  const missing = rootFields.filter((field) => !listed.includes(field));
  check('documentation explorer lists product, products, lookups, gtin',
    missing.length ? `missing ${missing.join(', ')} (listed: ${listed.join(', ')})` : '');

  // 3. Autocompletion from the schema.
  const editor = page.locator('.graphiql-query-editor .CodeMirror').first();
  const defaultQuery = await page.evaluate(() => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue());
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type('{ prod', { delay: 30 });
  const hints = page.locator('.CodeMirror-hints .CodeMirror-hint');
  await hints.first().waitFor({ timeout: 10000 }).catch(() => {});
  const offered = (await hints.allInnerTexts()).map((text) => text.trim());
  const notOffered = ['product', 'products'].filter((field) => !offered.includes(field));
  check('typing "{ prod" offers product and products',
    notOffered.length ? `not offered: ${notOffered.join(', ')} (offered: ${offered.join(', ')})` : '');
  await page.keyboard.press('Escape');

  // 4. The default query runs.
  await page.evaluate((text) => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(text), defaultQuery);
  await page.click('.graphiql-execute-button');
  const result = page.locator('.graphiql-response');
  await result.getByText(expected).first().waitFor({ timeout: 20000 }).catch(() => {});
  const text = await result.innerText();
  check('default query shows a demo product', text.includes(expected) ? '' : `response pane: ${text.slice(0, 200)}`);
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  check('the page links to the scan app',
    await page.locator('a[href="/scan"]').count() === 1 ? '' : 'no link to /scan');

  check('no request left the machine', foreign.length ? foreign.join(', ') : '');
  check('no page errors', errors.length ? errors.join('; ') : '');
} catch (error) {
  check('GraphiQL session', String(error));
} finally {
  await browser.close();
}
console.log(`graphiql browser test: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
