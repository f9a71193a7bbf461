-- wrk script: POST each line of a file (path, tab, form body) exactly once, e.g. one submit per
-- open attempt; thread n of t takes lines n+1, n+1+t, ... A thread whose lines are used up
-- stops (wrk then reports over the time it ran), so no finished attempt is submitted again.
local lines = {}
local next_line = 1
local created = 0

function setup(thread)
  thread:set("id", created)
  created = created + 1
end

function init(args)
  local thread_count = tonumber(args[2])
  local number = 0
  for line in io.lines(args[1]) do
    if number % thread_count == id then
      table.insert(lines, line)
    end
    number = number + 1
  end
end

-- wrk calls request() once in the first thread to check the script before any request is
-- sent (script_verify_request); that call must not use up a line.
local verifying = nil

function request()
  if verifying == nil then
    verifying = (id == 0)
  end
  if next_line > #lines then
    wrk.thread:stop()
    next_line = #lines -- what is sent while the thread stops (a finished attempt's submit)
  end
  local path, body = lines[next_line]:match("([^\t]+)\t(.*)")
  if verifying then
    verifying = false
  else
    next_line = next_line + 1
  end
  local headers = {}
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  return wrk.format("POST", path, headers, body)
end
