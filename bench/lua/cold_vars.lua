-- (b') cold items as clients usually send them: one query text, the GTIN in a
-- variable. Same keys as `cold` (fresh in every request); the text repeats, so its
-- parsed document is reused.
package.path = "bench/lua/?.lua;" .. package.path
local c = require("common")
local QUERY = c.json_string(
  'query Product($gtin: String!) { product(gtin: $gtin) { gtin title brand price { amount currency } availability } }')
c.install({
  request = function()
    return c.post('{"query":' .. QUERY .. ',"variables":{"gtin":"' .. c.gtin13(c.fresh_item()) .. '"}}')
  end,
})
