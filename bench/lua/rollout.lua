-- Constant load of the rollout test: a mix of the hot item, a cold item and a small
-- mixed-spelling basket, every response checked (non-2xx, GraphQL "errors").
package.path = "bench/lua/?.lua;" .. package.path
local c = require("common")
c.install({ request = c.mixed("036000291452", "{ gtin title price { amount currency } availability }", 8) })
