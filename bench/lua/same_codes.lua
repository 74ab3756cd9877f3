-- What `lookups` costs beside `products` for the same codes: each request sends
-- BENCH_CODES (default 40) GTIN-14s never asked before, as `lookups(codes:)` with the
-- POS selection (BENCH_FORM=lookups, the default) or as `products(gtins:)` with the
-- basket's (BENCH_FORM=products). The two forms of one count load the same products;
-- what differs is the lines' own work. Every answer must hold BENCH_CODES titles.
-- Not part of make bench-load: run both forms interleaved against one build, e.g.
--   BENCH_FORM=lookups wrk -t2 -c32 -d6s -s bench/lua/same_codes.lua URL -- 1 0 1
-- (bench/JOURNAL.md, "Session 25").
package.path = "bench/lua/?.lua;" .. package.path
local c = require("common")
local operations = require("operations")
local n = tonumber(os.getenv("BENCH_CODES") or "") or 40
local lookups = (os.getenv("BENCH_FORM") or "lookups") ~= "products"
local QUERY = c.json_string(lookups and operations.Pos or operations.Basket)
local VARIABLE = lookups and "codes" or "gtins"
c.install({
  expect_titles = n,
  request = function()
    local keys = {}
    for i = 1, n do keys[i] = '"' .. c.gtin14(c.fresh_item()) .. '"' end
    return c.post('{"query":' .. QUERY .. ',"variables":{"' .. VARIABLE .. '":['
      .. table.concat(keys, ",") .. ']}}')
  end,
})
