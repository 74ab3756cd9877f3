-- Side by side, cold: one `product` by variable, a GTIN never asked before in every
-- request (GTIN-14, the form the demo catalog answers with).
package.path = "bench/lua/?.lua;" .. package.path
local c = require("common")
local QUERY = c.json_string(require("operations").Product)
c.install({
  expect_titles = 1,
  request = function()
    return c.post('{"query":' .. QUERY .. ',"variables":{"gtin":"' .. c.gtin14(c.fresh_item()) .. '"}}')
  end,
})
