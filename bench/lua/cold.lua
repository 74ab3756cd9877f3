-- (b) cold items: a GTIN never asked before in every request (100,000,000-item keyspace,
-- cache capacity 100,000): every request goes through the batcher to the upstream.
package.path = "bench/lua/?.lua;" .. package.path
local c = require("common")
c.install({
  request = function()
    local q = '{ product(gtin: "' .. c.gtin13(c.fresh_item()) ..
      '") { gtin title brand price { amount currency } availability } }'
    return c.post(c.graphql_body(q))
  end,
})
