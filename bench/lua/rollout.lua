-- Constant load of the rollout test: a mix of the hot item, a cold item and a small
-- mixed-spelling basket, every response checked (non-2xx, GraphQL "errors").
package.path = "bench/lua/?.lua;" .. package.path
local c = require("common")
local FIELDS = "{ gtin title price { amount currency } availability }"
local n = 0
c.install({
  request = function()
    n = n + 1
    local q
    if n % 3 == 0 then
      q = '{ product(gtin: "036000291452") ' .. FIELDS .. ' }'
    elseif n % 3 == 1 then
      q = '{ product(gtin: "' .. c.gtin13(c.fresh_item()) .. '") ' .. FIELDS .. ' }'
    else
      local parts = {}
      for i = 1, 8 do parts[i] = c.json_string(c.spell(c.fresh_item(), i)) end
      q = '{ products(gtins: [' .. table.concat(parts, ", ") .. ']) ' .. FIELDS .. ' }'
    end
    return c.post(c.graphql_body(q))
  end,
})
