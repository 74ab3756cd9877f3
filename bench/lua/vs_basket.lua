-- Side by side, basket: `products(gtins:)` with 40 GTINs never asked before, in a
-- variable.
package.path = "bench/lua/?.lua;" .. package.path
local c = require("common")
local QUERY = c.json_string(require("operations").Basket)
c.install({
  expect_titles = 40,
  request = function()
    local keys = {}
    for i = 1, 40 do keys[i] = '"' .. c.gtin14(c.fresh_item()) .. '"' end
    return c.post('{"query":' .. QUERY .. ',"variables":{"gtins":[' .. table.concat(keys, ",") .. ']}}')
  end,
})
