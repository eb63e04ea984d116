-- wrk script: each request edits a different listing through GraphQL (`updateService`, a new
-- description), as a moderator. Driven by bench/edits.sh, which writes the listings to edit
-- (`id version` a line, a file per wrk process) and passes the token.
--
--   wrk -t2 -c16 -d20s -s bench/edits.lua http://127.0.0.1:8081/graphql -- IDS_FILE TOKEN 2
--
-- The last argument is wrk's thread count: each thread takes its own block of the lines, so no
-- listing is edited twice (its version is known); a thread that runs out says so. Answers with GraphQL errors are
-- counted and printed at the end: a run with errors measured something else.

local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  ids_file, token = args[1], args[2]
  local thread_count = tonumber(args[3] or "2")
  listings = {}
  for line in io.lines(ids_file) do
    local id, version = line:match("^(%S+)%s+(%d+)$")
    if id then
      table.insert(listings, { id = id, version = tonumber(version) })
    end
  end
  local block = math.floor(#listings / thread_count)
  position = tonumber(index) * block + 1
  last = position + block - 1
  errors, edits, exhausted = 0, 0, 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  if position > last then
    exhausted = exhausted + 1
    if exhausted == 1 then
      io.stderr:write("a thread ran out of listings to edit: give a longer file\n")
    end
    position = last
  end
  local listing = listings[position]
  position = position + 1
  local query = string.format(
    'mutation { updateService(id: \\"%s\\", version: %d, input: {description: \\"Edited by the edits benchmark (synthetic listing) %d\\"}) { version } }',
    listing.id, listing.version, position)
  return wrk.format(nil, nil, nil, '{"query":"' .. query .. '"}')
end

function response(status, headers, body)
  if status ~= 200 or body:find('"errors"', 1, true) then
    errors = errors + 1
    if errors <= 3 then
      io.stderr:write("edit failed: " .. status .. " " .. body:sub(1, 300) .. "\n")
    end
  else
    edits = edits + 1
  end
end

function done(summary, latency, requests)
  local errors, edits = 0, 0
  for _, thread in ipairs(threads) do
    errors = errors + (thread:get("errors") or 0)
    edits = edits + (thread:get("edits") or 0)
  end
  io.write(string.format("edits: %d stored, %d failed, %.0f/s\n", edits, errors,
    edits / (summary.duration / 1e6)))
end
