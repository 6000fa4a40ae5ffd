-- What the wrk scripts of bench/ share (claim_loop.lua, login_storm.lua): a monotonic clock, one
-- line of a file handed to each thread, and the result file that api_load.Wrk reads.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec[1]")

local M = {}

-- Microseconds on CLOCK_MONOTONIC (LuaJIT FFI: os.clock is CPU time, os.time whole seconds).
function M.now_us()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts[0].tv_sec) * 1000000 + tonumber(ts[0].tv_nsec) / 1000
end

-- A setup() for wrk: gives each thread, in turn, one line of the file named by the environment
-- variable `file_variable` (read once), as the thread variable `key`, plus its thread_index;
-- each thread is kept in `threads` for write_results().
function M.hand_out(file_variable, key, threads)
  local lines = {}
  return function(thread)
    if #lines == 0 then
      for line in io.lines(os.getenv(file_variable)) do
        if #line > 0 then table.insert(lines, line) end
      end
    end
    local index = #threads + 1
    thread:set(key, lines[((index - 1) % #lines) + 1])
    thread:set("thread_index", index)
    table.insert(threads, thread)
  end
end

-- A done() for wrk: writes RESULT_FILE with each thread's `counts` (names of its global
-- numbers), its last_error and its `series` (names of its tables of microseconds).
function M.write_results(summary, threads, counts, series)
  local out = io.open(os.getenv("RESULT_FILE"), "w")
  out:write(string.format("duration_us %d\n", summary.duration))
  out:write(string.format("requests %d\n", summary.requests))
  out:write(string.format("socket_errors %d %d %d %d\n", summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout))
  for _, thread in ipairs(threads) do
    local words = {}
    for _, name in ipairs(counts) do table.insert(words, name .. " " .. thread:get(name)) end
    out:write(string.format("thread %d %s\n", thread:get("thread_index"), table.concat(words, " ")))
    local err = thread:get("last_error")
    if err ~= nil and #err > 0 then out:write("error " .. string.gsub(err, "\n", " ") .. "\n") end
    for _, name in ipairs(series) do
      local values = thread:get(name)
      local parts = {}
      for i = 1, #values do parts[i] = string.format("%d", values[i]) end
      if #parts > 0 then out:write(name .. " " .. table.concat(parts, " ") .. "\n") end
    end
  end
  out:close()
end

return M
