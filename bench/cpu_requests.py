#!/usr/bin/env python3
"""A fixed, repeatable sequence of GraphQL requests for bench/callgrind.sh.

usage: cpu_requests.py BASE_URL SCENARIO COUNT FIRST_ITEM

Sends COUNT requests of SCENARIO one after another on one keep-alive connection to
BASE_URL/graphql and checks every answer (HTTP 200, no GraphQL "errors" member).
Fresh items are generated items of the demo catalog (GTIN-13 9520 + 8 digits +
check digit), numbered from FIRST_ITEM, so a warm-up and a measured run given
different FIRST_ITEMs never share a key. Same arguments, same bytes sent: the
instruction counts of two builds are comparable.
"""
import http.client
import json
import sys
import urllib.parse


def check_digit(payload):
    total = 0
    for i, ch in enumerate(reversed(payload)):
        total += int(ch) * (3 if i % 2 == 0 else 1)
    return str((10 - total % 10) % 10)


def gtin13(item):
    payload = "9520%08d" % item
    return payload + check_digit(payload)


def spell(item, style):
    g13 = gtin13(item)
    return [g13, "0" + g13, "]E0" + g13, "https://id.gs1.org/01/0" + g13][style % 4]


PRODUCT_FIELDS = "gtin title brand price { amount currency } availability"

# Curated items of the demo catalog in the spellings fresh items have no form for
# (cached after the first request): UPC-A, UPC-E, a GTIN-14 case pack.
CURATED = ["036000291452", "04252614", "10036000291459"]
# Invalid codes (bad check digit, a letter, wrong length): typed lines in `lookups`.
INVALID = ["036000291453", "03600029145X", "12345"]
LOOKUP_FIELDS = (
    "input status product { gtin title price { amount currency } availability } "
    "gtin { kind variableMeasure { price } } error { code reason }"
)


def body(scenario, item):
    """The request body, and how many fresh items it used."""
    if scenario == "hot":
        query = '{ product(gtin: "036000291452") { %s } }' % PRODUCT_FIELDS
        return {"query": query}, 0
    if scenario == "cold_vars":
        query = "query Product($gtin: String!) { product(gtin: $gtin) { %s } }" % PRODUCT_FIELDS
        return {"query": query, "variables": {"gtin": gtin13(item)}}, 1
    if scenario == "basket":
        items = [item + i for i in range(32)]
        codes = [spell(it, i + 1) for i, it in enumerate(items)]
        codes += [spell(items[i * 4 - 1], i * 4 + 1) for i in range(1, 9)]
        query = "{ products(gtins: %s) { gtin title price { amount currency } availability } }" % (
            json.dumps(codes)
        )
        return {"query": query}, 32
    if scenario == "pos":
        # A till's basket of 30 codes: 24 fresh items in four spellings, the curated
        # UPC-A, UPC-E and GTIN-14, and 3 invalid codes.
        codes = [spell(item + i, i) for i in range(24)] + CURATED + INVALID
        query = "{ lookups(codes: %s) { %s } }" % (json.dumps(codes), LOOKUP_FIELDS)
        return {"query": query}, 24
    if scenario == "pos_vars":
        # pos as a till sends it: one query text, the codes in a variable.
        codes = [spell(item + i, i) for i in range(24)] + CURATED + INVALID
        query = "query Basket($codes: [String!]!) { lookups(codes: $codes) { %s } }" % LOOKUP_FIELDS
        return {"query": query, "variables": {"codes": codes}}, 24
    if scenario == "basket30_vars":
        codes = [spell(item + i, i) for i in range(27)] + CURATED
        query = (
            "query Basket($gtins: [String!]!) { products(gtins: $gtins) "
            "{ gtin title price { amount currency } availability } }"
        )
        return {"query": query, "variables": {"gtins": codes}}, 27
    if scenario == "basket30":
        # The products counterpart of pos: 27 fresh items in four spellings and the
        # curated UPC-A, UPC-E and GTIN-14 (products has no typed line for a bad code).
        codes = [spell(item + i, i) for i in range(27)] + CURATED
        query = "{ products(gtins: %s) { gtin title price { amount currency } availability } }" % (
            json.dumps(codes)
        )
        return {"query": query}, 27
    if scenario == "nplus1":
        fields = " ".join(
            'p%d: product(gtin: "%s") { gtin title price { amount currency } }' % (i, gtin13(item + i))
            for i in range(20)
        )
        return {"query": "{ %s }" % fields}, 20
    raise SystemExit("unknown scenario %r" % scenario)


def main():
    base, scenario, count, item = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    for _ in range(count):
        payload, used = body(scenario, item)
        item += used
        conn.request("POST", "/graphql", json.dumps(payload), {"content-type": "application/json"})
        response = conn.getresponse()
        text = response.read()
        if response.status != 200 or b'"errors"' in text:
            raise SystemExit("bad answer %d: %s" % (response.status, text[:300]))
    conn.close()


if __name__ == "__main__":
    main()
