-- wrk script: one connection per thread, each thread one agent with its own token.
-- Loop: POST /api/v1/queue/next/ ; on 200, POST /api/v1/assignments/{id}/outcome/ {"outcome":"no_answer"}.
-- Run as: wrk -t64 -c64 -d25s -s claim_loop.lua http://127.0.0.1:8000  (TOKENS_FILE, RESULT_FILE in the environment)
-- Claim latency is timed here with a monotonic clock (LuaJIT FFI), apart from the outcome's.
-- CLAIM_PATH (default /api/v1/queue/next/) points it at another claim endpoint: the minimal one of
-- bench/ceiling/ answers 200 with no "id" key, so no outcome follows.

-- The shared clock, hand-out and result file, from this script's own folder.
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("wrk_common")
local now_us = common.now_us

-- Main state: hand one token to each thread.
local threads = {}
setup = common.hand_out("TOKENS_FILE", "token", threads)

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
  common.write_results(summary, threads, { "claims", "empties", "outcomes", "errors" },
    { "claim_us", "empty_us", "outcome_us" })
end
