-- (a) hot item: the same product(gtin:) again and again (a cache hit after the first).
package.path = "bench/lua/?.lua;" .. package.path
local c = require("common")
wrk.method = "POST"
wrk.path = "/graphql"
wrk.headers["Content-Type"] = "application/json"
wrk.body = c.graphql_body(
  '{ product(gtin: "036000291452") { gtin title brand price { amount currency } availability } }')
c.install()
