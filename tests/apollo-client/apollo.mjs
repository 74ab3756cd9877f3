// Apollo Client 4, as a front-end app uses it, against a running gateway (the URL of
// its /graphql is the first argument; `make test-apollo-client` starts one over the
// embedded demo catalog). What a demo app relies on:
//
// - one product for every spelling: with `keyFields: ["gtin"]`, a UPC-A and a
//   GTIN-14 lookup of the same item land on ONE normalized cache entry (the gateway
//   answers the canonical GTIN-14 whatever was typed);
// - a basket (`products`) keeps the order asked, `null` where nothing is found;
// - `lookups` types a bad code as a line (status INVALID), never as an error;
// - a bad `product(gtin:)` is a GraphQL error Apollo surfaces with its
//   `extensions.code` (INVALID_GTIN) under errorPolicy "all";
// - automatic persisted queries with Apollo's own PersistedQueryLink: the hash is
//   sent first, the gateway's PERSISTED_QUERY_NOT_FOUND makes the link resend the
//   text, and then another client (a fresh cache) gets the answer from the hash
//   alone, by POST and by GET (`useGETForHashedQueries`, what a CDN can cache).
//
// Every request body is recorded by a fetch wrapper, so the protocol is checked on the
// wire, not inferred from results. Exits non-zero on the first failed check.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";

import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";

const url = process.argv[2];
if (!url) {
  console.error("usage: node apollo.mjs http://127.0.0.1:PORT/graphql");
  process.exit(2);
}

/** fetch, with every request's method, URL and parsed body kept in `sent`. */
function recordingFetch(sent) {
  return async (input, init = {}) => {
    const method = (init.method ?? "GET").toUpperCase();
    const target = new URL(typeof input === "string" ? input : input.url);
    const body = init.body ? JSON.parse(init.body) : null;
    const extensions = target.searchParams.get("extensions");
    sent.push({
      method,
      query: body?.query ?? target.searchParams.get("query"),
      extensions: body?.extensions ?? (extensions ? JSON.parse(extensions) : undefined),
    });
    return fetch(input, init);
  };
}

function cache() {
  return new InMemoryCache({ typePolicies: { Product: { keyFields: ["gtin"] } } });
}

function client(links, sent) {
  const http = new HttpLink({ uri: url, fetch: recordingFetch(sent) });
  return new ApolloClient({ link: ApolloLink.from([...links, http]), cache: cache() });
}

const sha256 = (text) => createHash("sha256").update(text).digest("hex");

let checks = 0;
async function check(name, run) {
  await run();
  checks += 1;
  console.log(`ok - ${name}`);
}

const PRODUCT = gql`
  query Product($gtin: String!) {
    product(gtin: $gtin) {
      gtin
      title
      price {
        amount
        currency
      }
    }
  }
`;

await check("two spellings of one item are one normalized cache entry", async () => {
  const sent = [];
  const apollo = client([], sent);
  const upc = await apollo.query({ query: PRODUCT, variables: { gtin: "036000291452" } });
  const gtin14 = await apollo.query({ query: PRODUCT, variables: { gtin: "00036000291452" } });
  assert.equal(upc.data.product.gtin, "00036000291452");
  assert.equal(upc.data.product.title, "Cloudsoft Facial Tissue, 3-Ply, 120 Sheets");
  assert.deepEqual(gtin14.data.product, upc.data.product);
  const entries = Object.keys(apollo.cache.extract()).filter((key) => key.startsWith("Product:"));
  assert.deepEqual(entries, ['Product:{"gtin":"00036000291452"}']);
  assert.equal(sent.length, 2, "each new variable set is one request");
});

await check("a basket keeps its order, null where nothing is found", async () => {
  const apollo = client([], []);
  const { data } = await apollo.query({
    query: gql`
      query Basket($gtins: [String!]!) {
        products(gtins: $gtins) {
          gtin
          title
        }
      }
    `,
    variables: { gtins: ["4012345000122", "4006381333931", "04252614"] },
  });
  assert.deepEqual(
    data.products.map((product) => product?.gtin ?? null),
    ["04012345000122", null, "00042100005264"],
  );
  assert.equal(data.products[2].title, "Golden Prairie Honey Graham Crackers 14.4 oz");
});

await check("lookups types a bad code as a line, not an error", async () => {
  const apollo = client([], []);
  const result = await apollo.query({
    query: gql`
      query Pos($codes: [String!]!) {
        lookups(codes: $codes) {
          input
          status
          product {
            gtin
          }
          error {
            code
            reason
          }
        }
      }
    `,
    variables: { codes: ["036000291452", "036000291453"] },
  });
  assert.equal(result.error, undefined);
  const [found, invalid] = result.data.lookups;
  assert.equal(found.status, "FOUND");
  assert.equal(found.product.gtin, "00036000291452");
  assert.equal(invalid.status, "INVALID");
  assert.equal(invalid.product, null);
  assert.equal(invalid.error.code, "INVALID_GTIN");
  assert.equal(invalid.error.reason, "INVALID_CHECK_DIGIT");
});

await check("a bad product(gtin:) is an error with its code", async () => {
  const apollo = client([], []);
  const result = await apollo.query({
    query: PRODUCT,
    variables: { gtin: "036000291453" },
    errorPolicy: "all",
  });
  assert.ok(result.error, "Apollo reports the GraphQL error");
  assert.equal(result.error.errors[0].extensions.code, "INVALID_GTIN");
  // No product either way (async-graphql 7.2 leaves a failed root field out, so
  // `data` is null: src/graphql/plan/run.rs, `write`).
  assert.equal(result.data?.product ?? null, null);
});

for (const useGETForHashedQueries of [false, true]) {
  const how = useGETForHashedQueries ? "GET" : "POST";
  await check(`persisted queries by ${how}: text once, then the hash alone`, async () => {
    // A query text of its own per run, so neither run finds it stored already.
    const query = gql`
      query Persisted${how}($gtin: String!) {
        product(gtin: $gtin) {
          gtin
          title
        }
      }
    `;
    const persisted = () => new PersistedQueryLink({ sha256, useGETForHashedQueries });

    const first = [];
    const registering = await client([persisted()], first).query({
      query,
      variables: { gtin: "012345678905" },
    });
    assert.equal(registering.data.product.title, "Acme Mills Organic Rolled Oats 18 oz");
    assert.equal(first.length, 2, "hash, PERSISTED_QUERY_NOT_FOUND, then hash and text");
    assert.equal(first[0].method, how);
    assert.equal(first[0].query ?? null, null, "the first try sends no text");
    // The text as Apollo prints it (with the __typename it adds), hashed as sent.
    const text = first[1].query;
    assert.match(text, new RegExp(`query Persisted${how}\\(`));
    assert.equal(first[1].extensions.persistedQuery.sha256Hash, sha256(text));

    const second = [];
    const hashed = await client([persisted()], second).query({
      query,
      variables: { gtin: "0012345678905" },
    });
    assert.equal(hashed.data.product.gtin, "00012345678905");
    assert.equal(second.length, 1, "a stored hash is answered at once");
    assert.equal(second[0].method, how);
    assert.equal(second[0].query ?? null, null);
    assert.equal(second[0].extensions.persistedQuery.sha256Hash, sha256(text));
  });
}

console.log(`apollo-client: ${checks} checks passed against ${url}`);
