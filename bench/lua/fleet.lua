-- Background load of the fleet test (bench/fleet.sh), through the load balancer, every
-- response checked (non-2xx, GraphQL "errors", a title in every answer): a hot item, a
-- cold item and a basket of 4 cold items in turn. Cold items miss every tier, so each
-- one asks Redis (MGET, then SET): a Redis failover is felt by this load. Paced by
-- BENCH_FLEET_DELAY_MS per request and connection (wrk's delay()), so the load leaves
-- CPU to the checks on a small machine.
package.path = "bench/lua/?.lua;" .. package.path
local c = require("common")
local pause = tonumber(os.getenv("BENCH_FLEET_DELAY_MS") or "") or 20
c.install({
  expect_titles = 1,
  request = c.mixed("9530000000003", "{ gtin title }", 4),
})

function delay()
  return pause
end
