"""Schemathesis hooks for catalog-gateway (loaded through SCHEMATHESIS_HOOKS).

Why a check of our own: Schemathesis's `not_a_server_error` counts every GraphQL
`errors` entry that is not a validation error as a resolver failure (ST113). This
gateway answers bad input per item, in `errors`, by design: `products(gtins: ["x"])`
is `[null]` with an `INVALID_GTIN` error at `["products", 0]` (docs/errors.md).
So that check is turned off (`--exclude-checks not_a_server_error`) and this one
takes its place, stricter where it matters:

- no 5xx, ever;
- every answer is JSON with `data` or `errors` (GraphQL over HTTP);
- every error carries `extensions.code`, and the code is one the "Codes" table of
  docs/errors.md documents (read from that page itself, the table `src/error_code.rs`
  is checked against);
- no error says the server failed: no upstream error (the embedded demo catalog
  cannot fail), no overload refusal, no `INTERNAL` code.
"""

import json
import os
import re

import schemathesis

ERRORS_PAGE = os.environ.get(
    "CATALOG_ERRORS_PAGE",
    os.path.join(os.path.dirname(__file__), "..", "..", "docs", "errors.md"),
)

# Codes that mean the gateway, not the request, failed.
SERVER_FAILURES = {
    "UPSTREAM_TIMEOUT",
    "UPSTREAM_UNAVAILABLE",
    "UPSTREAM_BAD_RESPONSE",
    "UPSTREAM_UNAUTHORIZED",
    "OVERLOADED",
}


def documented_codes():
    """The first column of the "Codes" table of docs/errors.md."""
    with open(ERRORS_PAGE, encoding="utf-8") as page:
        text = page.read()
    section = text.split("\n## Codes\n", 1)[1].split("\n## ", 1)[0]
    codes = set(re.findall(r"^\| `([A-Z_]+)` \|", section, flags=re.MULTILINE))
    if len(codes) < 10:
        raise RuntimeError(f"the Codes table was not found in {ERRORS_PAGE}")
    return codes


DOCUMENTED = documented_codes()


@schemathesis.check
def typed_answers_only(ctx, response, case):
    """No 5xx; JSON with data or errors; every error a documented, typed code."""
    status = response.status_code
    assert status < 500, f"HTTP {status}"
    try:
        body = json.loads(response.content)
    except ValueError as error:
        raise AssertionError(f"the body is not JSON: {error}") from None
    answers = body if isinstance(body, list) else [body]
    for answer in answers:
        assert isinstance(answer, dict), f"not a JSON object: {answer!r}"
        assert "data" in answer or "errors" in answer, f"neither data nor errors: {answer!r}"
        for error in answer.get("errors") or []:
            code = (error.get("extensions") or {}).get("code")
            assert code, f"an error without extensions.code: {error!r}"
            assert code in DOCUMENTED, f"{code} is not in the Codes table of docs/errors.md: {error!r}"
            assert code not in SERVER_FAILURES, f"a server failure: {error!r}"
            assert not code.startswith("INTERNAL"), f"a server failure: {error!r}"
    return None
