// Runs graphql-http's server audits (the GraphQL-over-HTTP spec's checks) against a
// running gateway and exits non-zero on any failure or warning.
// Usage: node audit.mjs http://127.0.0.1:8080/graphql
import { serverAudits } from 'graphql-http';

const url = process.argv[2] ?? 'http://127.0.0.1:8080/graphql';
const results = [];
for (const audit of serverAudits({ url })) {
  results.push({ audit, result: await audit.fn() });
}
let failures = 0;
let warnings = 0;
for (const { audit, result } of results) {
  if (result.status === 'ok') continue;
  if (result.status === 'error') failures++;
  if (result.status === 'warn') warnings++;
  console.log(`${result.status.toUpperCase()} ${audit.id} ${audit.name}: ${result.reason}`);
}
const passed = results.length - failures - warnings;
console.log(`graphql-http audit: ${passed} passed, ${failures} failed, ${warnings} warnings`);
process.exit(failures + warnings === 0 ? 0 : 1);
