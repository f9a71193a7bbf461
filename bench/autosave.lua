-- wrk script: requests cycle through the lines of a file (path, tab, form body); threads take
-- interleaved lines. A body's "revision=0" becomes the number of earlier saves of that line, so
-- every save carries the revision the server expects.
local lines = {}
local uses = {}
local counter = 0
local thread_count = 1

local created = 0

function setup(thread)
  thread:set("id", created)
  created = created + 1
end

function init(args)
  thread_count = tonumber(args[2])
  for line in io.lines(args[1]) do
    table.insert(lines, line)
  end
end

function request()
  local index = id + 1 + counter * thread_count
  counter = counter + 1
  if index > #lines then
    index = ((index - 1) % #lines) + 1
  end
  local path, body = lines[index]:match("([^\t]+)\t(.*)")
  local revision = uses[index] or 0
  uses[index] = revision + 1
  body = body:gsub("revision=0", "revision=" .. revision)
  -- wrk.format replaces wrk.headers with the table it is given: keep the -H headers (Cookie).
  local headers = {}
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  return wrk.format("POST", path, headers, body)
end
