-- Reference: the demo catalog alone, GET /products?gtins= with 32 fresh GTIN-14 keys
-- (what the gateway sends for one basket).
package.path = "bench/lua/?.lua;" .. package.path
local c = require("common")
c.install({
  request = function()
    local keys = {}
    for i = 1, 32 do keys[i] = "0" .. c.gtin13(c.fresh_item()) end
    return wrk.format("GET", "/products?gtins=" .. table.concat(keys, ","))
  end,
})
