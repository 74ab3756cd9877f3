-- Not a load script: prints the operations of bench/lua/operations.lua, one JSON
-- object {"name": …, "body": …} a line, and exits before wrk connects anywhere.
-- bench/lib.sh (trusted_manifest) turns the lines into the gateway's manifest:
--   wrk -s bench/lua/manifest.lua http://127.0.0.1:9/
package.path = "bench/lua/?.lua;" .. package.path
local c = require("common")
local ops = require("operations")
local names = {}
for name in pairs(ops) do names[#names + 1] = name end
table.sort(names)
for _, name in ipairs(names) do
  io.write('{"name":', c.json_string(name), ',"body":', c.json_string(ops[name]), '}\n')
end
io.stdout:flush()
os.exit(0)
