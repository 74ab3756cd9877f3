-- Reference: the bare axum handler, sent the very request of the hot-item scenario.
package.path = "bench/lua/?.lua;" .. package.path
local c = require("common")
wrk.method = "POST"
wrk.path = "/graphql"
wrk.headers["Content-Type"] = "application/json"
wrk.body = c.graphql_body(
  '{ product(gtin: "036000291452") { gtin title brand price { amount currency } availability } }')
c.install()
