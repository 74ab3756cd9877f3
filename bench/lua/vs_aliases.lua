-- Side by side, N+1: 20 aliased `product` fields, 20 GTINs never asked before.
package.path = "bench/lua/?.lua;" .. package.path
local c = require("common")
c.install({
  expect_titles = 20,
  request = function()
    local fields = {}
    for i = 1, 20 do
      fields[i] = string.format(
        'p%d: product(gtin: "%s") { gtin title brand price { amount currency } availability }',
        i, c.gtin14(c.fresh_item()))
    end
    return c.post(c.graphql_body("{ " .. table.concat(fields, " ") .. " }"))
  end,
})
