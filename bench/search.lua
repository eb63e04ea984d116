-- wrk script: POSTs realistic GraphQL `search` queries (text + near a postcode + need, first 10),
-- rotating over a few residents' questions so no two consecutive requests are the same.
-- Usage (see README "Benchmarks"):
--   wrk -t2 -c50 -d30s --latency -s bench/search.lua http://127.0.0.1:8099/graphql

local searches = {
  { text = "chair exercise", postcode = "NR19 1AA", need = "strength-and-balance" },
  { text = "lunch club", postcode = "NR2 1AB", need = "social-connection" },
  { text = "help with heating bills", postcode = "PE30 1AA", need = "money-advice" },
  { text = "tai chi", postcode = "NR27 0AA", need = "strength-and-balance" },
  { text = "coffee morning", postcode = "NR30 1AA", need = "social-connection" },
  { text = "walking group", postcode = "IP24 1AA", need = "physical-activity" },
  { text = "memory cafe", postcode = "NR28 0AA", need = "memory-and-dementia" },
  { text = "benefits advice", postcode = "NR19 1AA", need = "money-advice" },
}

local query = [[query Search($text: String, $postcode: String, $need: String!) {
  search(text: $text, near: { postcode: $postcode, radiusKm: 10 }, needs: [$need], first: 10) {
    totalCount
    edges { distanceKm node { id name } }
  }
}]]

local function json_string(s)
  return '"' .. s:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('\n', '\\n') .. '"'
end

local bodies = {}
for i, s in ipairs(searches) do
  bodies[i] = '{"query":' .. json_string(query) .. ',"variables":{"text":' .. json_string(s.text)
    .. ',"postcode":' .. json_string(s.postcode) .. ',"need":' .. json_string(s.need) .. '}}'
end

local counter = 0

request = function()
  counter = counter + 1
  local body = bodies[(counter % #bodies) + 1]
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, body)
end

local errors = 0

response = function(status, headers, body)
  if status ~= 200 or body:find('"errors"', 1, true) then
    errors = errors + 1
    if errors <= 3 then
      io.stderr:write("bad response " .. status .. ": " .. body:sub(1, 300) .. "\n")
    end
  end
end

done = function(summary, latency, requests)
  io.write(string.format("requests/s %.0f; latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms; non-2xx/socket errors %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    (summary.errors.status or 0) + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
