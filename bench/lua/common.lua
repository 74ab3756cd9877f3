-- Shared by every wrk scenario script (loaded with require; run wrk from the repo root).
--
-- * Counts errors in every response: non-2xx statuses, and 2xx bodies holding a
--   GraphQL `"errors"` member (per-line problems of `lookups` are typed statuses in
--   `data` with an `"error"` object, so they do not match).
-- * Supplies keys of the demo catalog's generated items: item n is GTIN-13
--   9520 + n (8 digits) + check digit. Each wrk thread and phase (warm-up = 0,
--   measured = 1) walks its own slice of a permutation of the 100,000,000 items, so no
--   key is ever asked twice in one gateway's life: every one misses the cache.
--   Runs that share one upstream (the side-by-side runs) pass a slot and the number
--   of slots (script args 2 and 3), so that no key repeats between runs either; a
--   thread that used up its slice counts `reused` keys (reported, must stay 0).
-- * With `opts.expect_titles = n` (or script arg 4 = n, which overrides it), a 2xx
--   body must hold at least n `"title"` members (a gateway that silently answers
--   null counts as an error).
-- * Sends the headers named in the environment variable BENCH_LUA_HEADERS
--   ("name: value" pairs separated by "\n", e.g. the production run's API key) with
--   every request, beside Content-Type.
-- * Prints one machine-readable RESULT line from done().
local M = {}

local ITEMS = 100000000
local stream = 12500000 -- keys per (slot, phase, thread) slice: 2 phases x 4 threads x 12.5M = 100M
-- wrk's thread count (bench/lib.sh run_wrk exports it): each thread's slice is then
-- 1/THREADS of its (slot, phase) share; 4 when unset, as before.
local THREADS = math.max(tonumber(os.getenv("BENCH_WRK_THREADS") or "") or 4, 1)
local MULT = 7777777 -- odd, not a multiple of 5: coprime with 100,000,000, so a bijection

function M.check_digit(payload)
  local sum, n = 0, #payload
  for i = n, 1, -1 do
    local d = payload:byte(i) - 48
    if (n - i) % 2 == 0 then sum = sum + 3 * d else sum = sum + d end
  end
  return (10 - sum % 10) % 10
end

-- GTIN-13 of generated item `item` (0..15,999,999).
function M.gtin13(item)
  local payload = string.format("9520%08d", item)
  return payload .. M.check_digit(payload)
end

-- The same item in one of several spellings the gateway accepts.
function M.spell(item, style)
  local g13 = M.gtin13(item)
  style = style % 4
  if style == 0 then return g13                     -- EAN-13
  elseif style == 1 then return "0" .. g13          -- GTIN-14
  elseif style == 2 then return "]E0" .. g13        -- scanner payload (AIM symbology id)
  else return "https://id.gs1.org/01/0" .. g13      -- GS1 Digital Link
  end
end

-- Next fresh item number for this thread (call from request()).
local next_key = 0
function M.fresh_item()
  if next_key >= stream then reused = reused + 1 end
  local c = key_base + (next_key % stream)
  next_key = next_key + 1
  return (c * MULT) % ITEMS
end

-- GTIN-14 of generated item `item`: the form the demo catalog answers with, so a
-- gateway that matches answers to keys as sent (Tailcall's batchKey) finds them.
function M.gtin14(item)
  return "0" .. M.gtin13(item)
end

-- A JSON string literal (the queries hold only ASCII without control characters).
function M.json_string(s)
  return '"' .. s:gsub('\\', '\\\\'):gsub('"', '\\"') .. '"'
end

function M.graphql_body(query)
  return '{"query":' .. M.json_string(query) .. '}'
end

M.json_headers = { ["Content-Type"] = "application/json" }
for line in (os.getenv("BENCH_LUA_HEADERS") or ""):gmatch("[^\n]+") do
  local name, value = line:match("^%s*([^:]-)%s*:%s*(.-)%s*$")
  if name and name ~= "" then
    M.json_headers[name] = value
    wrk.headers[name] = value -- the scripts that set wrk.body send wrk.headers
  end
end

function M.post(body)
  return wrk.format("POST", "/graphql", M.json_headers, body)
end

-- A request builder for a steady mixed load, in turn: the hot item `hot`, a cold item,
-- and a basket of `basket` cold items in mixed spellings; each selects `fields`.
function M.mixed(hot, fields, basket)
  local n = 0
  return function()
    n = n + 1
    local q
    if n % 3 == 0 then
      q = '{ product(gtin: "' .. hot .. '") ' .. fields .. ' }'
    elseif n % 3 == 1 then
      q = '{ product(gtin: "' .. M.gtin13(M.fresh_item()) .. '") ' .. fields .. ' }'
    else
      local parts = {}
      for i = 1, basket do parts[i] = M.json_string(M.spell(M.fresh_item(), i)) end
      q = '{ products(gtins: [' .. table.concat(parts, ", ") .. ']) ' .. fields .. ' }'
    end
    return M.post(M.graphql_body(q))
  end
end

-- Installs wrk's callbacks. `opts.request` (optional) builds each request; without it
-- wrk sends wrk.method/wrk.path/wrk.body as set by the scenario script.
function M.install(opts)
  local threads = {}

  function setup(thread)
    -- A global of the thread's own Lua state (read in init as _G.thread_id).
    thread:set("thread_id", #threads)
    table.insert(threads, thread)
  end

  local expect_titles = opts and opts.expect_titles

  function init(args)
    -- args[1]: phase (0 warm-up, 1 measured); args[2], args[3]: slot, slots;
    -- args[4]: titles each answer must hold (optional).
    expect_titles = tonumber(args[4] or "") or expect_titles
    local phase = tonumber(args[1] or "1") or 1
    local slot = tonumber(args[2] or "0") or 0
    local slots = tonumber(args[3] or "1") or 1
    stream = math.floor(ITEMS / (slots * 2 * THREADS))
    key_base = (((slot * 2 + phase) * THREADS) + ((_G.thread_id or 0) % THREADS)) * stream
    non2xx, gql_errors, checked, reused, sample = 0, 0, 0, 0, nil
  end

  if opts and opts.request then
    request = opts.request
  end

  function response(status, headers, body)
    checked = checked + 1
    if status < 200 or status > 299 then
      non2xx = non2xx + 1
      if not sample then sample = tostring(status) .. " " .. tostring(body):sub(1, 300) end
    elseif body and body:find('"errors"', 1, true) then
      gql_errors = gql_errors + 1
      if not sample then sample = tostring(body):sub(1, 300) end
    elseif expect_titles then
      local _, titles = tostring(body):gsub('"title":', '')
      if titles < expect_titles then
        gql_errors = gql_errors + 1
        if not sample then
          sample = string.format("%d of %d titles: %s", titles, expect_titles, tostring(body):sub(1, 300))
        end
      end
    end
  end

  function done(summary, latency, requests)
    local n2, ge, ck, ru, smp = 0, 0, 0, 0, nil
    for _, t in ipairs(threads) do
      n2 = n2 + (t:get("non2xx") or 0)
      ge = ge + (t:get("gql_errors") or 0)
      ck = ck + (t:get("checked") or 0)
      ru = ru + (t:get("reused") or 0)
      smp = smp or t:get("sample")
    end
    local e = summary.errors
    local secs = summary.duration / 1e6
    io.write(string.format(
      "RESULT requests=%d duration_s=%.3f rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
      "socket_errors=%d non2xx=%d gql_errors=%d checked=%d reused=%d\n",
      summary.requests, secs, summary.requests / secs,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      e.connect + e.read + e.write + e.timeout, n2, ge, ck, ru))
    if smp then io.write("SAMPLE " .. smp:gsub("\n", " ") .. "\n") end
  end
end

return M
