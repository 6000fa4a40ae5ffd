-- wrk script: the 8:30 login storm. One connection per thread, each thread one user logging in
-- again and again: POST /api/v1/auth/token/ {"username", "password"} (PBKDF2 on every one).
-- Run as: wrk -t8 -c8 -d25s -s login_storm.lua http://127.0.0.1:8000
--   USERS_FILE: one username a line; PASSWORD: theirs; RESULT_FILE: where the figures go.

-- The shared clock, hand-out and result file, from this script's own folder.
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local common = require("wrk_common")
local now_us = common.now_us

local threads = {}
setup = common.hand_out("USERS_FILE", "username", threads)

local sent_at = 0
local body, headers
login_us = {}
logins, errors = 0, 0
last_error = ""

function init(args)
  headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
  body = '{"username": "' .. username .. '", "password": "' .. os.getenv("PASSWORD") .. '"}'
end

function request()
  sent_at = now_us()
  return wrk.format("POST", "/api/v1/auth/token/", headers, body)
end

function response(status, headers, response_body)
  local elapsed = now_us() - sent_at
  if status == 200 then
    logins = logins + 1
    login_us[logins] = elapsed
  else
    errors = errors + 1
    last_error = "token " .. status .. " " .. string.sub(response_body or "", 1, 200)
  end
end

function done(summary, latency, requests)
  common.write_results(summary, threads, { "logins", "errors" }, { "login_us" })
end
