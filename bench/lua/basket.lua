-- (c) basket: products(gtins:) with 40 entries in mixed spellings (EAN-13, GTIN-14,
-- scanner payload, GS1 Digital Link): 32 fresh items, then 8 of them again in another
-- spelling. Fresh distinct keys per request: 32 (theoretical minimum: 1 upstream call).
package.path = "bench/lua/?.lua;" .. package.path
local c = require("common")
c.install({
  request = function()
    local items, parts = {}, {}
    for i = 1, 32 do
      items[i] = c.fresh_item()
      parts[#parts + 1] = c.json_string(c.spell(items[i], i))
    end
    for i = 1, 8 do
      parts[#parts + 1] = c.json_string(c.spell(items[i * 4], i * 4 + 1))
    end
    local q = '{ products(gtins: [' .. table.concat(parts, ", ") ..
      ']) { gtin title price { amount currency } availability } }'
    return c.post(c.graphql_body(q))
  end,
})
