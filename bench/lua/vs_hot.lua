-- Side by side, hot: one `product` by variable, the same GTIN in every request.
package.path = "bench/lua/?.lua;" .. package.path
local c = require("common")
wrk.method = "POST"
wrk.path = "/graphql"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"query":' .. c.json_string(
  'query Product($gtin: String!) { product(gtin: $gtin) { gtin title brand price { amount currency } availability } }') ..
  ',"variables":{"gtin":"00036000291452"}}'
c.install({ expect_titles = 1 })
