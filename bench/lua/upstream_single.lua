-- Reference: the demo catalog alone, GET /products/{key} with a fresh generated key.
package.path = "bench/lua/?.lua;" .. package.path
local c = require("common")
c.install({
  request = function()
    return wrk.format("GET", "/products/0" .. c.gtin13(c.fresh_item()))
  end,
})
