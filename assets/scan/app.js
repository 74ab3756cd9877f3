// The scan app (/scan): scan or type a barcode, see the product, build a basket.
// Plain JavaScript, no build step, served by the gateway with a strict
// Content-Security-Policy (src/http/apps/scan.rs): it fetches nothing but this origin.
//
// How it uses the gateway, as a client should:
// - one GraphQL operation per scan burst (codes that arrive within BURST_MS of each
//   other), asking `gtin(code:)` for the card and `lookups(codes:)` for the basket;
// - automatic persisted queries: the sha256 of the document first, the full text
//   only when the gateway answers PERSISTED_QUERY_NOT_FOUND (as Apollo Client does);
// - the `x-request-id` of a failed request is shown, so support can find its log line.
//
// Lot and expiry from 2D codes: `gtin(code:)` gives the card every application
// identifier (`applicationIdentifiers`), `lookups` each line's `scan { lot expiryDate
// expired(today:) }` (today in the till's time zone); two lots of one item are two lines.
'use strict';

(() => {
  const ENDPOINT = '/graphql';
  const STORAGE_KEY = 'catalog-gateway.scan.v1';
  // A USB scanner types a code in a few ms; a person scanning items in a row is
  // slower than this. Codes closer together than this go in one request.
  const BURST_MS = 150;
  // Holding a code in front of the camera is one scan; shown again after this long
  // out of view, it is another.
  const CAMERA_REPEAT_MS = 1500;
  // --max-gtins-per-query is 1000 by default; a paste of more codes is split.
  const MAX_CODES_PER_REQUEST = 400;
  const FORMATS = ['ean_13', 'ean_8', 'upc_a', 'upc_e', 'itf', 'code_128', 'data_matrix', 'qr_code'];
  const WASM_URL = '/assets/scan/zxing_reader.wasm';
  const PONYFILL_URL = '/assets/scan/barcode-detector.js';

  const PRODUCT_CARD = `
fragment ProductCard on Product {
  gtin title brand
  price { amount currency }
  images { url alt }
  availability servedStale
}`;
  const CODE_FACTS = `
fragment CodeFacts on GtinInfo {
  input valid gtin14 gtin13 upcA upcE gtin8 format kind indicator
  gs1Prefix { prefix organisation }
  variableMeasure { region price weightKg count lookupGtin14 }
  lookupGtin14
  warnings { code message }
  applicationIdentifiers { ai title value }
  error { reason message hint }
}`;
  const SCAN_BURST = `query ScanBurst($codes: [String!]!, $last: String!, $today: String) {
  card: gtin(code: $last) { ...CodeFacts }
  lines: lookups(codes: $codes) {
    input status
    gtin { gtin14 lookupGtin14 kind variableMeasure { region price weightKg count } }
    product { ...ProductCard }
    scan { lot serial expiryDate bestBeforeDate expired(today: $today) }
    error { code reason message }
  }
}${CODE_FACTS}${PRODUCT_CARD}`;

  // Currencies of the RCN regions, for a label price whose base product has no price.
  const REGION_CURRENCY = {
    SE: 'SEK', NO: 'NOK', FI: 'EUR', EE: 'EUR', LV: 'EUR', LT: 'EUR', DK: 'DKK', DE: 'EUR', GB: 'GBP',
  };
  const AVAILABILITY = {
    IN_STOCK: 'In stock', LOW_STOCK: 'Few left', OUT_OF_STOCK: 'Out of stock',
    DISCONTINUED: 'Discontinued', UNKNOWN: 'Availability unknown',
  };
  const KIND = {
    VALID_GTIN: 'Trade item', UPC_E: 'UPC-E (zero-suppressed)', ISBN: 'Book (ISBN)',
    ISBN_10: 'Book (ISBN-10)', ISMN: 'Printed music (ISMN)', ISSN: 'Serial publication (ISSN)',
    RCN_VARIABLE_MEASURE: 'Variable-measure label', RCN_COMPANY: 'Store-internal number',
    COUPON: 'Coupon', REFUND_RECEIPT: 'Refund receipt',
  };
  const FORMAT = { GTIN_8: 'EAN-8', GTIN_12: 'UPC-A', GTIN_13: 'EAN-13', GTIN_14: 'GTIN-14' };

  const $ = (id) => document.getElementById(id);
  const el = {
    form: $('entry'), code: $('code'), camera: $('camera-toggle'), video: $('camera-video'),
    cameraBox: $('camera'), cameraStatus: $('camera-status'), card: $('card'),
    summary: $('summary'), announce: $('announce'), alert: $('alert'),
    lines: $('lines'), totals: $('totals'), empty: $('basket-empty'), clear: $('clear'),
    count: $('basket-count'), pendingNote: $('pending'),
  };

  // ---- state: the basket and the codes not yet looked up, kept across reloads ----

  /** @type {{lines: Array<object>, pending: Array<{code: string, count: number}>}} */
  let state = load();
  let burstTimer = 0;
  let inFlight = false;

  function load() {
    try {
      const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) || 'null');
      if (saved && Array.isArray(saved.lines) && Array.isArray(saved.pending)) return saved;
    } catch { /* private mode or a damaged entry: start empty */ }
    return { lines: [], pending: [] };
  }

  function save() {
    try { localStorage.setItem(STORAGE_KEY, JSON.stringify(state)); } catch { /* full or denied */ }
  }

  // ---- decimals: prices are decimal strings; never add them as floats ----

  function parseDecimal(text) {
    const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(text ?? '').trim());
    if (!m) return null;
    const fraction = m[3] || '';
    return { n: BigInt(m[1] + m[2] + fraction), scale: fraction.length };
  }
  function rescale(d, scale) { return d.n * 10n ** BigInt(scale - d.scale); }
  function addDecimal(a, b) {
    const scale = Math.max(a.scale, b.scale);
    return { n: rescale(a, scale) + rescale(b, scale), scale };
  }
  function timesInt(d, k) { return { n: d.n * BigInt(k), scale: d.scale }; }
  /** a × b rounded half up to `scale` digits (a weight times a price per kg). */
  function timesDecimal(a, b, scale) {
    const exact = { n: a.n * b.n, scale: a.scale + b.scale };
    if (exact.scale <= scale) return { n: rescale(exact, scale), scale };
    const div = 10n ** BigInt(exact.scale - scale);
    const sign = exact.n < 0n ? -1n : 1n;
    const abs = exact.n * sign;
    return { n: sign * ((abs + div / 2n) / div), scale };
  }
  function formatDecimal(d) {
    const negative = d.n < 0n;
    const digits = (negative ? -d.n : d.n).toString().padStart(d.scale + 1, '0');
    const whole = digits.slice(0, digits.length - d.scale);
    const fraction = digits.slice(digits.length - d.scale);
    return (negative ? '-' : '') + whole + (d.scale ? `.${fraction}` : '');
  }
  function money(amount, currency) {
    try {
      // A string keeps its exact digits in Intl.NumberFormat (no float on the way).
      return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(amount);
    } catch {
      return `${amount} ${currency}`;
    }
  }

  // ---- sha256 for APQ: WebCrypto where the page is a secure context, else this ----

  async function sha256Hex(text) {
    const bytes = new TextEncoder().encode(text);
    if (globalThis.crypto?.subtle) {
      const digest = await crypto.subtle.digest('SHA-256', bytes);
      return hex(new Uint8Array(digest));
    }
    // Plain http on a LAN address (a phone on the store network) is not a secure context.
    return hex(sha256(bytes));
  }
  function hex(bytes) { return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(''); }
  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);
  function sha256(message) {
    const length = message.length;
    const padded = new Uint8Array(((length + 9 + 63) >> 6) << 6);
    padded.set(message);
    padded[length] = 0x80;
    const view = new DataView(padded.buffer);
    view.setUint32(padded.length - 8, Math.floor(length / 0x20000000));
    view.setUint32(padded.length - 4, (length << 3) >>> 0);
    const h = new Uint32Array([
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ]);
    const w = new Uint32Array(64);
    const rotr = (x, n) => (x >>> n) | (x << (32 - n));
    for (let offset = 0; offset < padded.length; offset += 64) {
      for (let i = 0; i < 16; i++) w[i] = view.getUint32(offset + i * 4);
      for (let i = 16; i < 64; i++) {
        const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      let [a, b, c, d, e, f, g, hh] = h;
      for (let i = 0; i < 64; i++) {
        const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
        const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
    }
    const out = new Uint8Array(32);
    const outView = new DataView(out.buffer);
    h.forEach((word, i) => outView.setUint32(i * 4, word));
    return out;
  }

  // ---- the gateway ----

  class GatewayError extends Error {
    constructor(message, { status = 0, requestId = '', code = '' } = {}) {
      super(message);
      this.status = status;
      this.requestId = requestId;
      this.code = code;
    }
  }

  // The trusted-documents bypass (--trusted-documents-bypass-secret), shared with
  // GraphiQL: kept in this origin's localStorage, set by opening /scan#bypass=SECRET
  // (or GraphiQL's /#bypass=SECRET), forgotten with #bypass=. Never in the page.
  const BYPASS_KEY = 'catalog-gateway.trusted-documents-bypass';
  let bypass = null;
  (() => {
    const fromHash = new URLSearchParams(location.hash.slice(1)).get('bypass');
    try {
      if (fromHash !== null) {
        if (fromHash) localStorage.setItem(BYPASS_KEY, fromHash);
        else localStorage.removeItem(BYPASS_KEY);
        history.replaceState(null, '', location.pathname + location.search);
      }
      bypass = localStorage.getItem(BYPASS_KEY);
    } catch {
      bypass = fromHash || null;
    }
  })();

  async function post(body) {
    let response;
    try {
      response = await fetch(ENDPOINT, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(bypass ? { 'x-trusted-documents-bypass': bypass } : {}),
        },
        body: JSON.stringify(body),
      });
    } catch (error) {
      throw new GatewayError(`The gateway did not answer (${error.message}). Check the connection.`);
    }
    const requestId = response.headers.get('x-request-id') || '';
    let json = null;
    try { json = await response.json(); } catch { /* not JSON: reported below */ }
    if (!json || (json.data == null && !json.errors)) {
      throw new GatewayError(`The gateway answered HTTP ${response.status}.`, { status: response.status, requestId });
    }
    return { status: response.status, requestId, json };
  }

  /** Whether the same request may succeed later: no answer at all, a 5xx, 408, 429,
   *  or an error code about capacity, time or the upstream. */
  function retryable(error) {
    if (!error.status) return true;
    if (error.status >= 500 || error.status === 408 || error.status === 429) return true;
    return /UPSTREAM|OVERLOAD|TIMEOUT|UNAVAILABLE|RATE_LIMIT/.test(error.code);
  }

  /** One operation with APQ: the hash first, the text only if the gateway lacks it. */
  async function persistedQuery(query, operationName, variables) {
    const extensions = { persistedQuery: { version: 1, sha256Hash: await sha256Hex(query) } };
    let answer = await post({ operationName, variables, extensions });
    const notFound = answer.json.errors?.some((e) => e.extensions?.code === 'PERSISTED_QUERY_NOT_FOUND');
    if (notFound) answer = await post({ operationName, variables, extensions, query });
    if (answer.json.data == null) {
      const first = answer.json.errors?.[0] ?? {};
      const code = first.extensions?.code ?? '';
      throw new GatewayError(`${first.message ?? 'Request refused'}${code ? ` (${code})` : ''}`,
        { status: answer.status, requestId: answer.requestId, code });
    }
    return answer;
  }

  // ---- scanning: every source (keyboard, paste, camera) ends in enqueue() ----

  /** Splits pasted text into codes: lines, tabs, commas, semicolons. Spaces stay:
   *  the gateway reads "0 36000 29145 2" as one code. */
  function splitCodes(text) {
    return text.split(/[\r\n\t,;]+/).map((code) => code.trim()).filter(Boolean);
  }

  function enqueue(codes) {
    for (const code of codes) {
      const pending = state.pending.find((p) => p.code === code);
      if (pending) pending.count += 1;
      else state.pending.push({ code, count: 1 });
    }
    save();
    renderPending();
    clearTimeout(burstTimer);
    burstTimer = setTimeout(flush, BURST_MS);
  }

  /** Today in the till's time zone, for `expired(today:)`. */
  function localDate() {
    const now = new Date();
    return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
  }

  async function flush() {
    if (inFlight || state.pending.length === 0) return;
    inFlight = true;
    const batch = state.pending.slice(0, MAX_CODES_PER_REQUEST);
    const codes = batch.map((p) => p.code);
    const last = codes[codes.length - 1];
    setBusy(true);
    try {
      const { json, requestId, status } = await persistedQuery(SCAN_BURST, 'ScanBurst', { codes, last, today: localDate() });
      if (!Array.isArray(json.data.lines)) {
        // A field error instead of the basket (TOO_MANY_GTINS, …): the lookup failed.
        const first = json.errors?.[0] ?? {};
        const code = first.extensions?.code ?? '';
        throw new GatewayError(`${first.message ?? 'No basket in the answer'}${code ? ` (${code})` : ''}`, { status, requestId, code });
      }
      const lines = json.data.lines;
      const outcome = applyLines(batch, lines, requestId);
      state.pending = state.pending.filter((p) => !batch.includes(p) || outcome.retry.includes(p));
      save();
      const lastLine = lines[lines.length - 1];
      renderCard(json.data.card, lastLine, requestId);
      renderSummary(outcome, requestId, lastLine);
      renderBasket();
      announce(outcome, lastLine);
    } catch (error) {
      // A refusal (a 4xx, or an error code that is not about capacity or the upstream)
      // will not change on a retry: drop those codes rather
      // than block every later scan behind them. Anything else (network, 5xx, overload,
      // timeout) keeps them for the next burst.
      const refused = !retryable(error);
      if (refused) {
        state.pending = state.pending.filter((p) => !batch.includes(p));
        save();
      }
      renderFailure(error, codes, !refused);
    } finally {
      inFlight = false;
      setBusy(false);
      renderPending();
      // Codes that arrived while this request was out, or a paste over the limit.
      if (state.pending.some((p) => !batch.includes(p))) {
        clearTimeout(burstTimer);
        burstTimer = setTimeout(flush, 0);
      }
    }
  }

  /** Basket lines from a `lookups` answer; what could not be added, and why. */
  function applyLines(batch, lines, requestId) {
    const outcome = { added: [], rejected: [], retry: [], requestId };
    lines.forEach((line, i) => {
      const pending = batch[i];
      if (!pending) return;
      if (line.status === 'FOUND' && line.product) {
        outcome.added.push(addToBasket(line, pending.count));
      } else if (line.status === 'UNAVAILABLE') {
        outcome.retry.push(pending);
      } else {
        outcome.rejected.push(line);
      }
    });
    return outcome;
  }

  function addToBasket(line, count) {
    const measure = line.gtin?.variableMeasure;
    const product = line.product;
    // Each variable-measure label is its own line (its own weight or price); every
    // other spelling of one item (12 or 13 digits, UPC-E, …) is the same line.
    // lot/expiry: two lots of one item are two lines (a recall names a lot).
    const lot = line.scan?.lot ? `|lot:${line.scan.lot}` : '';
    const key = measure ? `label:${line.gtin.gtin14}` : `item:${line.gtin?.lookupGtin14 ?? product.gtin}${lot}`;
    let basketLine = state.lines.find((l) => l.key === key);
    if (!basketLine) {
      basketLine = {
        key, gtin: product.gtin, input: line.input, title: product.title, brand: product.brand ?? '',
        unitPrice: product.price ?? null, label: measure ?? null, quantity: 0,
        // lot/expiry: kept with the line when the gateway returns it.
        scan: line.scan ?? null,
      };
      state.lines.push(basketLine);
    }
    basketLine.quantity += count;
    return basketLine;
  }

  /** What one unit of a line costs: the label's price, a weight times the price per
   *  kg, or the shelf price. Null when there is none. */
  function unitAmount(line) {
    const label = line.label;
    const currency = line.unitPrice?.currency ?? REGION_CURRENCY[label?.region] ?? '';
    if (label?.price != null) {
      const price = parseDecimal(label.price);
      return price && currency ? { amount: price, currency } : null;
    }
    if (!line.unitPrice) return null;
    const shelf = parseDecimal(line.unitPrice.amount);
    if (!shelf) return null;
    if (label?.weightKg != null) {
      const weight = parseDecimal(label.weightKg);
      return weight ? { amount: timesDecimal(weight, shelf, shelf.scale), currency } : null;
    }
    if (label?.count != null) return { amount: timesInt(shelf, label.count), currency };
    return { amount: shelf, currency };
  }

  function totals() {
    const byCurrency = new Map();
    for (const line of state.lines) {
      const unit = unitAmount(line);
      if (!unit) continue;
      const amount = timesInt(unit.amount, line.quantity);
      const sum = byCurrency.get(unit.currency);
      byCurrency.set(unit.currency, sum ? addDecimal(sum, amount) : amount);
    }
    return [...byCurrency.entries()].sort(([a], [b]) => a.localeCompare(b));
  }

  // ---- rendering: DOM nodes only (titles come from the upstream: never as HTML) ----

  function h(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value == null || value === false) continue;
      if (name === 'class') node.className = value;
      else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child == null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  /** A code as text a person can read: GS1's field separator (U+001D) made visible. */
  function visible(code) { return String(code).replaceAll('\x1d', '␝'); }

  function fact(term, ...value) {
    return [h('dt', {}, term), h('dd', {}, ...value)];
  }

  function requestRef(requestId) {
    return requestId
      ? h('p', { class: 'reference' }, 'Support reference (x-request-id): ', h('code', { 'data-request-id': requestId }, requestId))
      : null;
  }

  function productImage(product) {
    const image = product.images?.[0];
    const placeholder = (why) => h('div', { class: 'placeholder', role: 'img', 'aria-label': why },
      h('span', { 'aria-hidden': 'true' }, (product.title || '?').slice(0, 1).toUpperCase()));
    if (!image) return placeholder('No image in the catalog');
    let url;
    try { url = new URL(image.url, location.href); } catch { return placeholder('No usable image'); }
    // The page talks to the gateway only (and its CSP would block the rest anyway).
    if (url.origin !== location.origin) return placeholder(`Image hosted at ${url.host}, not loaded: this page talks only to the gateway`);
    const img = h('img', { src: url.href, alt: image.alt || product.title, width: 96, height: 96 });
    img.addEventListener('error', () => img.replaceWith(placeholder('Image failed to load')), { once: true });
    return img;
  }

  function renderCodeFacts(info) {
    if (!info) return null;
    const items = [];
    if (info.format) items.push(...fact('Format', FORMAT[info.format] ?? info.format));
    if (info.kind) items.push(...fact('Kind', KIND[info.kind] ?? info.kind));
    if (info.gtin14) items.push(...fact('GTIN-14', h('code', {}, info.gtin14)));
    if (info.gs1Prefix) {
      items.push(...fact('GS1 prefix', h('code', {}, info.gs1Prefix.prefix), ` ${info.gs1Prefix.organisation}`));
    }
    const measure = info.variableMeasure;
    if (measure) {
      const parts = [measure.price != null && `price ${measure.price}`, measure.weightKg != null && `${measure.weightKg} kg`,
        measure.count != null && `${measure.count} units`].filter(Boolean);
      items.push(...fact('Label', `${parts.join(', ')} (${measure.region} layout)`));
    }
    // lot/expiry: Application Identifiers a 2D code carries (GS1 DataMatrix, Digital
    // Link), shown as the gateway names them, when the schema has the field.
    for (const ai of info.applicationIdentifiers ?? []) {
      if (ai.ai === '01') continue; // the GTIN, shown above
      items.push(...fact(`(${ai.ai}) ${ai.title}`, h('code', {}, ai.value)));
    }
    for (const warning of info.warnings ?? []) items.push(...fact('Note', warning.message));
    return items.length ? h('dl', { class: 'facts' }, items) : null;
  }

  function renderCard(info, line, requestId) {
    el.card.replaceChildren();
    if (!line) return;
    const code = h('p', { class: 'scanned' }, 'Scanned ', h('code', {}, visible(line.input)));
    let body;
    switch (line.status) {
      case 'FOUND': {
        const product = line.product;
        const basketLine = { unitPrice: product.price, label: line.gtin?.variableMeasure ?? null };
        const unit = unitAmount(basketLine);
        body = h('article', { class: 'product', 'data-status': 'FOUND', 'aria-labelledby': 'card-title' },
          productImage(product),
          h('div', {},
            h('h3', { id: 'card-title' }, product.title),
            product.brand ? h('p', { class: 'brand' }, product.brand) : null,
            h('p', { class: 'price' }, unit ? money(formatDecimal(unit.amount), unit.currency) : 'No price',
              basketLine.label ? h('span', { class: 'muted' }, ' (from the label)') : null),
            h('p', { class: `availability ${product.availability.toLowerCase()}` }, AVAILABILITY[product.availability] ?? product.availability),
            product.servedStale ? h('p', { class: 'muted' }, 'The catalog is not answering: this is a recent cached copy.') : null,
            line.scan ? renderLot(line.scan) : null));
        break;
      }
      case 'NOT_FOUND':
        body = h('article', { class: 'notice', 'data-status': 'NOT_FOUND' },
          h('h3', {}, 'Not in the catalog'),
          h('p', {}, 'A valid barcode, but the catalog has no item with this number.'));
        break;
      case 'INVALID': {
        const error = info?.input === line.input ? info.error : null;
        const reason = error?.reason ?? line.error?.reason ?? 'INVALID';
        const hint = error?.hint ?? '';
        const suggestion = /did you mean (\S+?)\?/i.exec(hint)?.[1];
        body = h('article', { class: 'notice error', 'data-status': 'INVALID' },
          h('h3', {}, 'Not a valid barcode'),
          h('p', {}, h('strong', { class: 'reason' }, reason), ': ', error?.message ?? line.error?.message ?? ''),
          hint ? h('p', { class: 'hint' }, 'Hint: ', hint) : null,
          suggestion ? h('button', { type: 'button', class: 'secondary', onclick: () => { enqueue([suggestion]); el.code.focus(); } },
            `Scan ${suggestion} instead`) : null);
        break;
      }
      case 'NOT_A_TRADE_ITEM':
        body = h('article', { class: 'notice', 'data-status': 'NOT_A_TRADE_ITEM' },
          h('h3', {}, `${KIND[line.gtin?.kind] ?? 'Not a product'}: nothing to add`),
          h('p', {}, line.error?.message ?? 'This number is not a trade item.'));
        break;
      default:
        body = h('article', { class: 'notice error', 'data-status': line.status },
          h('h3', {}, 'The catalog is not answering'),
          h('p', {}, `${line.error?.message ?? 'Try again in a moment.'}${line.error?.code ? ` (${line.error.code})` : ''}`),
          h('p', {}, 'The code stays pending and is looked up again with the next scan, or now: ',
            h('button', { type: 'button', class: 'secondary', onclick: flush }, 'Retry')),
          requestRef(requestId));
    }
    const facts = info?.input === line.input ? renderCodeFacts(info) : null;
    el.card.append(code, body);
    if (facts) el.card.append(h('details', { class: 'code-facts', open: line.status !== 'FOUND' },
      h('summary', {}, 'What the code is'), facts));
    if (line.status !== 'FOUND' && line.status !== 'UNAVAILABLE') el.card.append(requestRef(requestId));
  }

  /** lot/expiry of a 2D code, once `lookups` returns `scan { lot expiryDate expired }`. */
  function renderLot(scan) {
    const parts = [];
    if (scan.lot) parts.push(`Lot ${scan.lot}`);
    if (scan.expiryDate) parts.push(`${scan.expired ? 'Expired' : 'Expires'} ${scan.expiryDate}`);
    return parts.length ? h('p', { class: scan.expired ? 'lot expired' : 'lot' }, parts.join(' · ')) : null;
  }

  /** The burst's codes that were not added, but the last one (the card shows it). */
  function renderSummary(outcome, requestId, lastLine) {
    el.summary.replaceChildren();
    const rejected = outcome.rejected.filter((line) => line !== lastLine);
    const retry = outcome.retry.filter((p) => p.code !== lastLine?.input);
    if (rejected.length === 0 && retry.length === 0) return;
    const why = (line) => {
      if (line.status === 'NOT_FOUND') return 'not in the catalog';
      if (line.status === 'INVALID') return `invalid (${line.error?.reason ?? line.error?.code ?? ''})`;
      return line.error?.message ?? line.status.toLowerCase();
    };
    el.summary.append(
      h('h3', {}, 'Not added'),
      h('ul', {}, rejected.map((line) => h('li', {}, h('code', {}, visible(line.input)), ` ${why(line)}`)),
        retry.map((p) => h('li', {}, h('code', {}, visible(p.code)), ' catalog unavailable: kept, will retry'))),
      // The card shows the reference unless its own code was found.
      lastLine?.status === 'FOUND' ? requestRef(requestId) : null);
  }

  function renderFailure(error, codes, kept) {
    const count = `${codes.length} code${codes.length === 1 ? '' : 's'}`;
    el.summary.replaceChildren();
    el.card.replaceChildren(h('article', { class: 'notice error', 'data-status': 'ERROR' },
      h('h3', {}, kept ? 'The lookup failed' : 'The gateway refused the lookup'),
      h('p', {}, error.message),
      kept
        ? h('p', {}, `${count} kept and sent again with the next scan, or now: `,
          h('button', { type: 'button', class: 'secondary', onclick: flush }, 'Retry'))
        : h('p', {}, `${count} not kept: sending them again would be refused again.`),
      requestRef(error.requestId)));
    el.alert.textContent = `Lookup failed: ${error.message}${error.requestId ? ` Reference ${error.requestId}.` : ''}`;
  }

  function renderBasket() {
    el.lines.replaceChildren();
    state.lines.forEach((line, index) => {
      const unit = unitAmount(line);
      const lineTotal = unit ? timesInt(unit.amount, line.quantity) : null;
      const remove = h('button', {
        type: 'button', class: 'remove', 'aria-label': `Remove ${line.title}`,
        onclick: () => removeLine(index),
      }, 'Remove');
      const labelNote = line.label
        ? [line.label.weightKg != null && `${line.label.weightKg} kg`, line.label.price != null && 'price from the label']
          .filter(Boolean).join(', ')
        : '';
      el.lines.append(h('li', { class: 'line', 'data-key': line.key, 'data-quantity': line.quantity },
        h('div', { class: 'line-main' },
          h('span', { class: 'line-title' }, line.title),
          h('span', { class: 'muted' }, h('code', {}, line.gtin), labelNote ? ` · ${labelNote}` : '',
            line.scan ? ` · ${[line.scan.lot && `lot ${line.scan.lot}`, line.scan.expiryDate && `exp. ${line.scan.expiryDate}`].filter(Boolean).join(', ')}` : '')),
        h('span', { class: 'line-qty', 'aria-label': `Quantity ${line.quantity}` }, `× ${line.quantity}`),
        h('span', {
          class: 'line-amount',
          'data-amount': lineTotal ? formatDecimal(lineTotal) : '',
          'data-currency': unit?.currency ?? '',
        }, lineTotal ? money(formatDecimal(lineTotal), unit.currency) : 'no price'),
        remove));
    });
    el.totals.replaceChildren();
    for (const [currency, sum] of totals()) {
      el.totals.append(h('div', { class: 'total', 'data-currency': currency, 'data-amount': formatDecimal(sum) },
        h('dt', {}, `Total ${currency}`), h('dd', {}, money(formatDecimal(sum), currency))));
    }
    const items = state.lines.reduce((n, line) => n + line.quantity, 0);
    el.count.textContent = items ? `${items} item${items === 1 ? '' : 's'}, ${state.lines.length} line${state.lines.length === 1 ? '' : 's'}` : '';
    el.empty.hidden = state.lines.length > 0;
    el.clear.disabled = state.lines.length === 0;
  }

  function renderPending() {
    const waiting = state.pending.reduce((n, p) => n + p.count, 0);
    el.pendingNote.textContent = waiting ? `${waiting} code${waiting === 1 ? '' : 's'} waiting for the catalog…` : '';
  }

  function setBusy(busy) {
    document.body.toggleAttribute('data-busy', busy);
    el.card.setAttribute('aria-busy', busy ? 'true' : 'false');
  }

  function announce(outcome, lastLine) {
    el.alert.textContent = '';
    const parts = [];
    if (lastLine?.status === 'FOUND') {
      const line = state.lines.find((l) => l.gtin === lastLine.product.gtin);
      parts.push(`${lastLine.product.title}${line ? `, quantity ${line.quantity}` : ''}.`);
    } else if (lastLine?.status === 'INVALID') {
      parts.push(`${lastLine.input} is not a valid barcode: ${lastLine.error?.reason ?? ''}.`);
    } else if (lastLine?.status === 'NOT_FOUND') {
      parts.push(`${lastLine.input} is not in the catalog.`);
    }
    if (outcome.added.length > 1) parts.push(`${outcome.added.length} lines updated.`);
    if (outcome.rejected.length) parts.push(`${outcome.rejected.length} not added.`);
    if (outcome.retry.length) parts.push(`${outcome.retry.length} waiting: catalog unavailable.`);
    el.announce.textContent = parts.join(' ');
  }

  function removeLine(index) {
    const [removed] = state.lines.splice(index, 1);
    save();
    renderBasket();
    el.announce.textContent = removed ? `Removed ${removed.title}.` : '';
    // Keep the keyboard where it was: the next line's Remove, else the code field.
    const buttons = el.lines.querySelectorAll('button.remove');
    (buttons[Math.min(index, buttons.length - 1)] ?? el.code).focus();
  }

  function clearBasket() {
    state.lines = [];
    save();
    renderBasket();
    el.announce.textContent = 'Basket cleared.';
    el.code.focus();
  }

  // ---- camera ----

  let camera = null; // { stream, detector, timer }

  async function detectorFor() {
    if ('BarcodeDetector' in window) {
      try {
        const supported = await window.BarcodeDetector.getSupportedFormats();
        const formats = FORMATS.filter((f) => supported.includes(f));
        if (formats.includes('ean_13')) return { detector: new window.BarcodeDetector({ formats }), native: true };
      } catch { /* fall back */ }
    }
    if (!window.BarcodeDetectionAPI) {
      await new Promise((resolve, reject) => {
        const script = h('script', { src: PONYFILL_URL });
        script.addEventListener('load', resolve, { once: true });
        script.addEventListener('error', () => reject(new Error('the barcode reader did not load')), { once: true });
        document.head.append(script);
      });
    }
    const api = window.BarcodeDetectionAPI;
    // The library fetches its wasm from a CDN by default: use the gateway's copy.
    api.prepareZXingModule({
      overrides: { locateFile: (path, prefix) => (path.endsWith('.wasm') ? WASM_URL : prefix + path) },
      fireImmediately: false,
    });
    return { detector: new api.BarcodeDetector({ formats: FORMATS }), native: false };
  }

  async function startCamera() {
    if (!navigator.mediaDevices?.getUserMedia) {
      cameraMessage('No camera here: the browser offers one only over https or on localhost. Type or use a USB scanner.');
      return;
    }
    el.camera.disabled = true;
    cameraMessage('Starting the camera…');
    try {
      const { detector, native } = await detectorFor();
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } },
      });
      el.video.srcObject = stream;
      el.cameraBox.hidden = false;
      await el.video.play();
      camera = { stream, detector, timer: 0, seen: new Map() };
      el.camera.setAttribute('aria-pressed', 'true');
      el.camera.textContent = 'Stop camera';
      cameraMessage(`Camera on (${native ? 'built-in' : 'ZXing'} reader). Hold a barcode in view.`);
      scanFrame();
    } catch (error) {
      stopCamera();
      const why = error?.name === 'NotAllowedError' ? 'permission was refused'
        : error?.name === 'NotFoundError' ? 'no camera was found' : (error?.message ?? String(error));
      cameraMessage(`The camera could not start: ${why}. Type or use a USB scanner.`);
    } finally {
      el.camera.disabled = false;
    }
  }

  // BarcodeDetector gives a GS1 symbol's text without the symbology identifier that
  // says it is GS1 (]d2, ]Q3, ]C1); the gateway reads an element string by it. Put it
  // back when the text is an element string: the GTIN's AI (01) first, or GS separators.
  const GS1_SYMBOLOGY = { data_matrix: ']d2', qr_code: ']Q3', code_128: ']C1' };
  function payloadOf(barcode) {
    const raw = barcode.rawValue;
    const id = GS1_SYMBOLOGY[barcode.format];
    if (id && /^(01\d{14}|\d{2,4}[^\x1d]*\x1d)/.test(raw) && !raw.startsWith(']')) return id + raw;
    return raw;
  }

  async function scanFrame() {
    if (!camera) return;
    const current = camera;
    try {
      if (el.video.readyState >= 2) {
        const barcodes = await current.detector.detect(el.video);
        const now = performance.now();
        for (const barcode of barcodes) {
          const code = barcode.rawValue ? payloadOf(barcode) : '';
          if (!code) continue;
          const last = current.seen.get(code) ?? -Infinity;
          current.seen.set(code, now);
          if (now - last > CAMERA_REPEAT_MS) {
            cameraMessage(`Read ${visible(code)} (${barcode.format}).`);
            enqueue([code]);
          }
        }
      }
    } catch (error) {
      cameraMessage(`The barcode reader failed: ${error.message}`);
    }
    if (camera === current) current.timer = setTimeout(scanFrame, 120);
  }

  function stopCamera() {
    if (camera) {
      clearTimeout(camera.timer);
      camera.stream.getTracks().forEach((track) => track.stop());
      camera = null;
    }
    el.video.srcObject = null;
    el.cameraBox.hidden = true;
    el.camera.setAttribute('aria-pressed', 'false');
    el.camera.textContent = 'Start camera';
  }

  function cameraMessage(text) { el.cameraStatus.textContent = text; }

  // ---- wiring ----

  el.form.addEventListener('submit', (event) => {
    event.preventDefault();
    const codes = splitCodes(el.code.value);
    el.code.value = '';
    if (codes.length) enqueue(codes);
    el.code.focus();
  });
  // A paste of many codes (a list from a spreadsheet or an e-mail) is a basket.
  el.code.addEventListener('paste', (event) => {
    const text = event.clipboardData?.getData('text') ?? '';
    const codes = splitCodes(text);
    if (codes.length > 1) {
      event.preventDefault();
      el.code.value = '';
      enqueue(codes);
    }
  });
  el.camera.addEventListener('click', () => (camera ? stopCamera() : startCamera()));
  el.clear.addEventListener('click', clearBasket);
  // A USB scanner types wherever the focus is: when nothing editable has it, send
  // printable keys to the code field so a scan is never lost.
  document.addEventListener('keydown', (event) => {
    const target = event.target;
    const editable = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target?.isContentEditable;
    if (editable || event.ctrlKey || event.metaKey || event.altKey || event.key.length !== 1 || event.key === ' ') return;
    el.code.focus();
  });
  window.addEventListener('pagehide', stopCamera);

  renderBasket();
  renderPending();
  if (state.pending.length) flush();
  el.code.focus();

  // For the browser test: the JS sha256 is the one a phone on plain http uses.
  window.scanApp = { sha256Hex: (text) => hex(sha256(new TextEncoder().encode(text))), state: () => state };
})();
