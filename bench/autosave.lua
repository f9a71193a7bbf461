-- wrk script: each thread cycles through its share of the lines of a file (path, tab, form
-- body; thread n of t takes lines n+1, n+1+t, ...). A body's "revision=N" (the question's
-- revision when the run starts) goes up by one with each save of that line, so every save
-- carries the revision the server expects.
local lines = {}
local uses = {}
local counter = 0

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
  if #lines == 0 then -- fewer lines than threads (the one submit): every thread sends them all
    for line in io.lines(args[1]) do
      table.insert(lines, line)
    end
  end
end

-- wrk calls request() once in the first thread to check the script before any request is
-- sent (script_verify_request); that call must not count as a save.
local verifying = nil

function request()
  if verifying == nil then
    verifying = (id == 0)
  end
  local index = (counter % #lines) + 1
  local path, body = lines[index]:match("([^\t]+)\t(.*)")
  local saved = uses[index] or 0
  if verifying then
    verifying = false
  else
    counter = counter + 1
    uses[index] = saved + 1
  end
  body = body:gsub("revision=(%d+)", function(start)
    return "revision=" .. (tonumber(start) + saved)
  end)
  -- wrk.format replaces wrk.headers with the table it is given: keep the -H headers (Cookie).
  local headers = {}
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  return wrk.format("POST", path, headers, body)
end
