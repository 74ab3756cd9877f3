-- (e) POS: lookups(codes:) with 40 lines: 30 fresh items (mixed spellings), 2 of them
-- scanned again, 3 variable-measure labels (gateway run with --rcn-region GB; their
-- base item is curated, cached after the first request), 1 coupon (NOT_A_TRADE_ITEM,
-- no upstream call) and 4 invalid codes (bad check digit, a letter, wrong length, a
-- variable-measure label with a bad check digit). Invalid lines are typed statuses inside `data`, not errors.
-- Fresh distinct keys per request: 30 (theoretical minimum: 1 upstream call).
package.path = "bench/lua/?.lua;" .. package.path
local c = require("common")
local FIXED = {
  "2011122912346", "2011122705009", "2011122602995",  -- GB variable-measure labels
  "9912345678909",                                    -- coupon
  "036000291453", "03600029145X", "12345", "2011122912347", -- invalid (last: check digit)
}
c.install({
  request = function()
    local items, parts = {}, {}
    for i = 1, 30 do
      items[i] = c.fresh_item()
      parts[#parts + 1] = c.spell(items[i], i)
    end
    parts[#parts + 1] = c.spell(items[3], 1)
    parts[#parts + 1] = c.spell(items[17], 2)
    for _, code in ipairs(FIXED) do parts[#parts + 1] = code end
    for i = 1, #parts do parts[i] = c.json_string(parts[i]) end
    local q = '{ lookups(codes: [' .. table.concat(parts, ", ") ..
      ']) { input status product { gtin title price { amount currency } } ' ..
      'gtin { kind variableMeasure { price } } error { code reason } } }'
    return c.post(c.graphql_body(q))
  end,
})
