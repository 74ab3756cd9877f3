-- (d) N+1: 20 aliased product fields, 20 fresh items (minimum: 1 upstream call).
package.path = "bench/lua/?.lua;" .. package.path
local c = require("common")
c.install({
  request = function()
    local fields = {}
    for i = 1, 20 do
      fields[i] = string.format('p%d: product(gtin: "%s") { gtin title price { amount currency } }',
        i, c.gtin13(c.fresh_item()))
    end
    return c.post(c.graphql_body("{ " .. table.concat(fields, " ") .. " }"))
  end,
})
