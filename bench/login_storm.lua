-- wrk script: the 8:30 login storm. One connection per thread, each thread one user logging in
-- again and again: POST /api/v1/auth/token/ {"username", "password"} (PBKDF2 on every one).
-- Run as: wrk -t8 -c8 -d25s -s login_storm.lua http://127.0.0.1:8000
--   USERS_FILE: one username a line; PASSWORD: theirs; RESULT_FILE: where the figures go.

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

local users = {}
local threads = {}
local next_index = 1

function setup(thread)
  if #users == 0 then
    for line in io.lines(os.getenv("USERS_FILE")) do
      if #line > 0 then table.insert(users, line) end
    end
  end
  thread:set("username", users[((next_index - 1) % #users) + 1])
  thread:set("thread_index", next_index)
  next_index = next_index + 1
  table.insert(threads, thread)
end

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
  local out = io.open(os.getenv("RESULT_FILE"), "w")
  out:write(string.format("duration_us %d\n", summary.duration))
  out:write(string.format("socket_errors %d %d %d %d\n", summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout))
  for _, thread in ipairs(threads) do
    out:write(string.format("thread %d logins %d errors %d\n", thread:get("thread_index"),
      thread:get("logins"), thread:get("errors")))
    local err = thread:get("last_error")
    if err ~= nil and #err > 0 then out:write("error " .. string.gsub(err, "\n", " ") .. "\n") end
    local values = thread:get("login_us")
    local parts = {}
    for i = 1, #values do parts[i] = string.format("%d", values[i]) end
    if #parts > 0 then out:write("login_us " .. table.concat(parts, " ") .. "\n") end
  end
  out:close()
end
