-- wrk script: each request saves a different question (path and form body per line of a file),
-- so every save carries the right revision. Threads take interleaved lines.
local lines = {}
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
  return wrk.format("POST", path, {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
