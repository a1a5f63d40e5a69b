-- wrk script for bench/webhook.py: each wrk thread sends its own list of prepared HTTP
-- requests (signed, encrypted WeChat messages built by the benchmark before timing) in
-- order, records every answer for the benchmark to check afterwards, and prints one
-- line the benchmark reads.
--
--   wrk -t T -c C -d Ds -s bench/webhook.lua URL -- BASE CYCLE
--
-- BASE: thread k reads BASE.k.req (each request as "<bytes>\n<raw HTTP request>") and
-- writes BASE.k.out ("<status> <bytes>\n<body>\n" per answer). CYCLE "1": start the list
-- again at its end (stateless handlers only); "0": a list that runs out stops its thread
-- and the run is reported as exhausted (every message to the service must be new).

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  local base, cycle = args[1], args[2] == "1"
  cycling = cycle
  local f = assert(io.open(base .. "." .. id .. ".req", "rb"))
  local data = f:read("*a")
  f:close()
  prepared = {}
  local pos = 1
  while pos <= #data do
    local nl = data:find("\n", pos, true)
    local n = tonumber(data:sub(pos, nl - 1))
    prepared[#prepared + 1] = data:sub(nl + 1, nl + n)
    pos = nl + 1 + n
  end
  sent = 0
  exhausted = 0
  out = assert(io.open(base .. "." .. id .. ".out", "wb"))
  -- Unbuffered, one write per answer: a thread's state is never closed, so a buffer
  -- would lose its last answers.
  out:setvbuf("no")
end

function request()
  sent = sent + 1
  if sent > #prepared then
    if cycling then
      sent = 1
    else
      exhausted = 1
      wrk.thread:set("exhausted", 1)
      wrk.thread:stop()
      sent = #prepared
    end
  end
  return prepared[sent]
end

function response(status, headers, body)
  out:write(status .. " " .. #body .. "\n" .. body .. "\n")
end

function done(summary, latency, requests)
  local ran_out = 0
  for _, thread in ipairs(threads) do
    if thread:get("exhausted") == 1 then ran_out = 1 end
  end
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d duration_us=%d p50_us=%d p99_us=%d connect=%d read=%d write=%d " ..
    "status=%d timeout=%d exhausted=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout, ran_out))
end
