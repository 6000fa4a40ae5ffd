-- wrk script: one connection per thread, each thread one agent with its own token.
-- Loop: POST /api/v1/queue/next/ ; on 200, POST /api/v1/assignments/{id}/outcome/ {"outcome":"no_answer"}.
-- Run as: wrk -t64 -c64 -d25s -s claim_loop.lua http://127.0.0.1:8000  (TOKENS_FILE, RESULT_FILE in the environment)
-- Claim latency is timed here with a monotonic clock (LuaJIT FFI), apart from the outcome's.
-- CLAIM_PATH (default /api/v1/queue/next/) points it at another claim endpoint: the minimal one of
-- bench/ceiling/ answers 200 with no "id" key, so no outcome follows.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec[1]")
local function now_us()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts[0].tv_sec) * 1000000 + tonumber(ts[0].tv_nsec) / 1000
end

-- Main state: hand one token to each thread.
local tokens = {}
local threads = {}
local next_index = 1

function setup(thread)
  if #tokens == 0 then
    for line in io.lines(os.getenv("TOKENS_FILE")) do
      if #line > 0 then table.insert(tokens, line) end
    end
  end
  thread:set("token", tokens[((next_index - 1) % #tokens) + 1])
  thread:set("thread_index", next_index)
  next_index = next_index + 1
  table.insert(threads, thread)
end

-- Thread state.
local pending = nil     -- assignment id waiting for its outcome
local kind = nil        -- what the request in flight is: "next" or "outcome"
local sent_at = 0
claim_us = {}           -- latencies of queue/next answered 200, microseconds
empty_us = {}           -- latencies of queue/next answered 204
outcome_us = {}
claims, empties, outcomes, errors = 0, 0, 0, 0
last_error = ""

local next_headers, outcome_headers
local claim_path = "/api/v1/queue/next/"
local outcome_body = '{"outcome": "no_answer"}'

function init(args)
  claim_path = os.getenv("CLAIM_PATH") or claim_path
  next_headers = { ["Authorization"] = "Token " .. token, ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
  outcome_headers = next_headers
end

function request()
  sent_at = now_us()
  if pending ~= nil then
    kind = "outcome"
    return wrk.format("POST", "/api/v1/assignments/" .. pending .. "/outcome/", outcome_headers, outcome_body)
  end
  kind = "next"
  return wrk.format("POST", claim_path, next_headers, "")
end

function response(status, headers, body)
  local elapsed = now_us() - sent_at
  if kind == "next" then
    if status == 200 then
      claims = claims + 1
      claim_us[claims] = elapsed
      pending = string.match(body, '"id"%s*:%s*(%d+)')
    elseif status == 204 then
      empties = empties + 1
      empty_us[empties] = elapsed
    else
      errors = errors + 1
      last_error = "queue/next " .. status .. " " .. string.sub(body or "", 1, 200)
    end
  else
    pending = nil
    if status == 200 then
      outcomes = outcomes + 1
      outcome_us[outcomes] = elapsed
    else
      errors = errors + 1
      last_error = "outcome " .. status .. " " .. string.sub(body or "", 1, 200)
    end
  end
end

function done(summary, latency, requests)
  local out = io.open(os.getenv("RESULT_FILE"), "w")
  out:write(string.format("duration_us %d\n", summary.duration))
  out:write(string.format("requests %d\n", summary.requests))
  out:write(string.format("socket_errors %d %d %d %d\n", summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout))
  for _, thread in ipairs(threads) do
    out:write(string.format("thread %d claims %d empties %d outcomes %d errors %d\n", thread:get("thread_index"),
      thread:get("claims"), thread:get("empties"), thread:get("outcomes"), thread:get("errors")))
    local err = thread:get("last_error")
    if err ~= nil and #err > 0 then out:write("error " .. string.gsub(err, "\n", " ") .. "\n") end
    for _, name in ipairs({ "claim_us", "empty_us", "outcome_us" }) do
      local values = thread:get(name)
      local parts = {}
      for i = 1, #values do parts[i] = string.format("%d", values[i]) end
      if #parts > 0 then out:write(name .. " " .. table.concat(parts, " ") .. "\n") end
    end
  end
  out:close()
end
