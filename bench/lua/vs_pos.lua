-- Side by side, POS: one `lookups(codes:)` of 30 codes in a variable (query `Pos` of
-- bench/lua/operations.lua), as a till sends a basket: 23 items never asked before in
-- mixed spellings (EAN-13, GTIN-14, scanner payload `]E0…`, GS1 Digital Link URI),
-- one of them scanned again in another spelling, two UPC-As and a UPC-E (curated
-- items: the popular lines every basket repeats, cached after the first request), and
-- three invalid codes (a bad check digit, a letter, a wrong length: typed INVALID
-- lines inside `data`, not errors). Every answer must hold 27 titles.
-- Fresh distinct keys per request: 23. Tailcall has no equivalent of `lookups`.
package.path = "bench/lua/?.lua;" .. package.path
local c = require("common")
local QUERY = c.json_string(require("operations").Pos)
local FIXED = {
  "036000291452", "012345678905", -- UPC-A
  "04252614",                     -- UPC-E of 042100005264
  "036000291453",                 -- invalid: check digit
  "03600029145X",                 -- invalid: a letter
  "12345",                        -- invalid: length
}
c.install({
  expect_titles = 27,
  request = function()
    local items, codes = {}, {}
    for i = 1, 23 do
      items[i] = c.fresh_item()
      codes[#codes + 1] = c.spell(items[i], i)
    end
    codes[#codes + 1] = c.spell(items[5], 6)
    for _, code in ipairs(FIXED) do codes[#codes + 1] = code end
    for i = 1, #codes do codes[i] = c.json_string(codes[i]) end
    return c.post('{"query":' .. QUERY .. ',"variables":{"codes":[' .. table.concat(codes, ",") .. ']}}')
  end,
})
