-- (c') warm basket: products(gtins:) of 30 distinct items in a variable, drawn at random
-- from a set of 3,000 generated items that the warm-up puts in the local cache: every
-- item is a cache hit, while no two requests are alike (so the response cache does not
-- answer them). The other end of `basket` (all misses): docs/capacity.md interpolates
-- between the two by hit ratio. Each answer must hold 30 titles.
package.path = "bench/lua/?.lua;" .. package.path
local c = require("common")
local WARM, BASKET, FIRST = 3000, 30, 50000000
local QUERY = c.json_string(
  'query Basket($gtins: [String!]!) { products(gtins: $gtins) { gtin title price { amount currency } availability } }')
c.install({
  expect_titles = BASKET,
  request = function()
    -- Seeded by thread and phase (common.lua's key_base), so no two threads or phases
    -- send the same sequence of baskets.
    if not seeded then math.randomseed(key_base + 1); seeded = true end
    local picked, codes = {}, {}
    while #codes < BASKET do
      local item = FIRST + math.random(0, WARM - 1)
      if not picked[item] then
        picked[item] = true
        codes[#codes + 1] = c.json_string(c.gtin13(item))
      end
    end
    return c.post('{"query":' .. QUERY .. ',"variables":{"gtins":[' .. table.concat(codes, ",") .. ']}}')
  end,
})
