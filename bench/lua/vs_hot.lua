-- Side by side, hot: one `product` by variable, the same GTIN in every request.
package.path = "bench/lua/?.lua;" .. package.path
local c = require("common")
local ops = require("operations")
wrk.method = "POST"
wrk.path = "/graphql"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"query":' .. c.json_string(ops.Product) .. ',"variables":{"gtin":"00036000291452"}}'
c.install({ expect_titles = 1 })
