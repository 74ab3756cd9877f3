-- Background load of the fleet test (bench/fleet.sh), through the load balancer, every
-- response checked (non-2xx, GraphQL "errors", a title in every answer): a hot item, a
-- cold item and a basket of 4 cold items in turn. Cold items miss every tier, so each
-- one asks Redis (MGET, then SET): a Redis failover is felt by this load. Paced by
-- BENCH_FLEET_DELAY_MS per request and connection (wrk's delay()), so the load leaves
-- CPU to the checks on a small machine.
package.path = "bench/lua/?.lua;" .. package.path
local c = require("common")
local FIELDS = "{ gtin title }"
local pause = tonumber(os.getenv("BENCH_FLEET_DELAY_MS") or "") or 20
local n = 0
c.install({
  expect_titles = 1,
  request = function()
    n = n + 1
    local q
    if n % 3 == 0 then
      q = '{ product(gtin: "9530000000003") ' .. FIELDS .. ' }'
    elseif n % 3 == 1 then
      q = '{ product(gtin: "' .. c.gtin13(c.fresh_item()) .. '") ' .. FIELDS .. ' }'
    else
      local parts = {}
      for i = 1, 4 do parts[i] = c.json_string(c.spell(c.fresh_item(), i)) end
      q = '{ products(gtins: [' .. table.concat(parts, ", ") .. ']) ' .. FIELDS .. ' }'
    end
    return c.post(c.graphql_body(q))
  end,
})

function delay()
  return pause
end
