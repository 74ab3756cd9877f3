// Sends the introspection queries real client tools send to a running gateway, with
// its default settings, and checks the schema each tool builds from the answer
// against the committed contract, schema.graphql:
//   - graphql-js 16 and 17 `getIntrospectionQuery()`, with no options and with every
//     option on (what GraphiQL, Altair, Insomnia and Apollo's tooling send), read by
//     `buildClientSchema`;
//   - GraphQL Code Generator's schema loader for URLs (`@graphql-tools/url-loader`),
//     which builds its own query and schema.
// The queries come from the packages themselves, never from a copy kept here.
// Usage: node introspect.mjs http://127.0.0.1:8080/graphql
import { readFileSync } from 'node:fs';

import * as graphql16 from 'graphql';
import * as graphql17 from 'graphql17';
import { UrlLoader } from '@graphql-tools/url-loader';

const url = process.argv[2] ?? 'http://127.0.0.1:8080/graphql';
const committedSdl = readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');
// Federation plumbing the subgraph SDL leaves to the router: introspection shows it,
// schema.graphql (the `_service { sdl }` text) does not.
const FEDERATION_FIELDS = new Set(['_service', '_entities']);
const FEDERATION_TYPES = new Set(['_Service', '_Any', '_Entity']);
const EVERY_OPTION = {
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
  oneOf: true,
};

let passed = 0;
let failed = 0;
function check(name, problems) {
  if (problems.length === 0) {
    passed += 1;
    console.log(`ok   ${name}`);
  } else {
    failed += 1;
    console.log(`FAIL ${name}\n     ${problems.slice(0, 20).join('\n     ')}`);
  }
}

/** Named types of a schema as comparable records (introspection types left out). */
function shape(schema, { federation }) {
  const types = {};
  for (const [name, type] of Object.entries(schema.getTypeMap())) {
    // Built-in scalars are part of every schema, printed or not.
    if (name.startsWith('__') || graphql16.isSpecifiedScalarType(type)) continue;
    if (!federation && FEDERATION_TYPES.has(name)) continue;
    const record = { kind: type.constructor.name, description: type.description ?? null };
    if (typeof type.getFields === 'function') {
      record.fields = {};
      for (const [fieldName, field] of Object.entries(type.getFields())) {
        if (!federation && FEDERATION_FIELDS.has(fieldName)) continue;
        record.fields[fieldName] = {
          type: String(field.type),
          description: field.description ?? null,
          deprecationReason: field.deprecationReason ?? null,
          args: (field.args ?? []).map((arg) => `${arg.name}: ${arg.type}`).join(', '),
        };
      }
    }
    if (typeof type.getValues === 'function') {
      record.values = type.getValues().map((value) => `${value.name}|${value.description ?? ''}`);
    }
    types[name] = record;
  }
  return types;
}

/** Differences between two `shape`s, as readable lines. */
function differences(expected, actual) {
  const problems = [];
  for (const name of Object.keys(expected)) {
    if (!(name in actual)) { problems.push(`type ${name} is missing`); continue; }
    const [want, got] = [expected[name], actual[name]];
    if (want.kind !== got.kind) problems.push(`type ${name}: kind ${got.kind}, expected ${want.kind}`);
    if (want.description !== got.description) problems.push(`type ${name}: description differs`);
    for (const field of Object.keys({ ...want.fields, ...got.fields })) {
      const [w, g] = [want.fields?.[field], got.fields?.[field]];
      if (JSON.stringify(w) !== JSON.stringify(g)) {
        problems.push(`${name}.${field}: ${JSON.stringify(g)}, expected ${JSON.stringify(w)}`);
      }
    }
    if (JSON.stringify(want.values) !== JSON.stringify(got.values)) problems.push(`enum ${name}: values differ`);
  }
  for (const name of Object.keys(actual)) {
    if (!(name in expected)) problems.push(`type ${name} is not in schema.graphql`);
  }
  return problems;
}

const committed = shape(graphql16.buildSchema(committedSdl, { assumeValidSDL: true }), { federation: false });
if (!committed.Query || Object.keys(committed.Query.fields).length < 4) {
  throw new Error('schema.graphql did not read as expected: no Query with its fields');
}

async function post(query) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, operationName: 'IntrospectionQuery' }),
  });
  return { status: response.status, body: await response.json() };
}

const queries = [
  ['graphql-js 16 getIntrospectionQuery()', graphql16, {}],
  ['graphql-js 16 getIntrospectionQuery(every option)', graphql16, EVERY_OPTION],
  ['graphql-js 17 getIntrospectionQuery()', graphql17, {}],
  ['graphql-js 17 getIntrospectionQuery(every option)', graphql17, EVERY_OPTION],
];
for (const [name, graphql, options] of queries) {
  try {
    const { status, body } = await post(graphql.getIntrospectionQuery(options));
    if (status !== 200 || body.errors) {
      check(name, [`HTTP ${status}: ${JSON.stringify(body.errors ?? body).slice(0, 300)}`]);
      continue;
    }
    const schema = graphql.buildClientSchema(body.data);
    const problems = differences(committed, shape(schema, { federation: false }));
    // What the tool prints must also read back as the same schema.
    const reprinted = graphql.buildSchema(graphql.printSchema(schema));
    problems.push(...differences(committed, shape(reprinted, { federation: false })));
    if (options.schemaDescription && !('description' in body.data.__schema)) problems.push('no schema description');
    check(name, problems);
  } catch (error) {
    check(name, [String(error?.stack ?? error)]);
  }
}

try {
  // What `graphql-codegen` does for `schema: <url>`: this loader, its own query.
  const [source] = await new UrlLoader().load(url, {});
  check('GraphQL Code Generator (@graphql-tools/url-loader)',
    differences(committed, shape(source.schema, { federation: false })));
} catch (error) {
  check('GraphQL Code Generator (@graphql-tools/url-loader)', [String(error?.stack ?? error)]);
}

console.log(`introspection: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
