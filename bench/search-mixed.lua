-- wrk script: POSTs GraphQL `search` queries as residents type them across England, half of
-- them short (one or two words) and half long (three to eight words: questions, "near me",
-- stop words, a few typos), alternating, each near a town of the synthetic national set
-- (the signpost bench's 1M listings), some with a need, first 10 with `totalCount`.
-- The long phrasings were written for this script from what people ask, not tuned on the
-- engine or the synthetic listings, and none is among the search bench's own.
-- Usage (see README "Benchmarks"):
--   DATA_DIR=/copy/of/nat1m LUA=bench/search-mixed.lua CONNECTIONS=16 bench/http.sh
--   wrk -t2 -c16 -d30s --latency -s bench/search-mixed.lua http://127.0.0.1:8099/graphql

-- Towns the synthetic set clusters its venues round (from indexer/benches/signpost/national.rs),
-- each point a little off the town centre so the searches do not all start at one spot.
local towns = {
  { 51.5120, -0.1090 }, -- London
  { 52.4800, -1.9000 }, -- Birmingham
  { 53.4750, -2.2300 }, -- Manchester
  { 53.8000, -1.5600 }, -- Leeds
  { 53.4100, -2.9800 }, -- Liverpool
  { 53.3800, -1.4600 }, -- Sheffield
  { 51.4600, -2.6000 }, -- Bristol
  { 54.9700, -1.6100 }, -- Newcastle upon Tyne
  { 52.9500, -1.1500 }, -- Nottingham
  { 52.6300, -1.1300 }, -- Leicester
  { 50.3800, -4.1400 }, -- Plymouth
  { 50.9100, -1.4000 }, -- Southampton
  { 51.4500, -0.9700 }, -- Reading
  { 50.8250, -0.1400 }, -- Brighton
  { 53.9600, -1.0800 }, -- York
  { 52.2000, 0.1300 },  -- Cambridge
  { 50.7200, -3.5300 }, -- Exeter
  { 52.0600, 1.1500 },  -- Ipswich
  { 54.9000, -1.3800 }, -- Sunderland
  { 53.2300, -0.5400 }, -- Lincoln
  { 51.2800, 1.0800 },  -- Canterbury
  { 54.3300, -2.7500 }, -- Kendal
  { 52.6300, 1.3000 },  -- Norwich
  { 52.7500, 0.4000 },  -- King's Lynn
  { 52.6100, 1.7300 },  -- Great Yarmouth
  { 52.3800, 1.1100 },  -- Diss
}

-- One or two words, as most searches are.
local short = {
  { "chair exercise" }, { "lunch club", "social-connection" }, { "tai chi" }, { "coffee morning" },
  { "walking group" }, { "memory cafe", "memory-and-dementia" }, { "benefits advice" },
  { "yoga" }, { "befriending" }, { "food bank", "food" }, { "carers" }, { "knit natter" },
  { "dementia" }, { "debt advice", "money-advice" }, { "walking football" }, { "bereavement" },
  { "men's shed" }, { "aqua aerobics" }, { "smartphone help", "digital-inclusion" },
  { "friendship club" }, { "anxiety" }, { "handyperson" }, { "balance class", "strength-and-balance" },
  { "pension credit" },
}

-- Three to eight words, the way people ask.
local long = {
  { "somewhere warm to go during the day" },
  { "my dad keeps falling what can help" },
  { "exercise classes suitable for someone with a walking stick" },
  { "is there a friendly group for widowers", "social-connection" },
  { "need help understanding my gas bill" },
  { "classes to keep my mum active" },
  { "where do people go for a cuppa and chat" },
  { "free support for someone caring for their wife", "carers" },
  { "activities for a man with early dementia" },
  { "can anyone help me claim attendance allowance", "money-advice" },
  { "someone to phone my gran every week" },
  { "gentle keep fit for the over 70s" },
  { "teach me how to video call my grandchildren" },
  { "nervous about going out again after covid" },
  { "groups for people who feel down and isolated", "mental-wellbeing" },
  { "get fitter without going to a gym" },
  { "cheap meals and cookery lessons", "food" },
  { "how to get to my hospital appointment" },
  { "fix a loose stair rail at home", "housing" },
  { "talk to someone after my wife died" },
  { "singing groups for people with memory loss" },
  { "steady on my feet classes nearby" },
  { "drop in help with forms and letters" },
  { "exersise for elderly with bad knees" },
}

local query = [[query Search($text: String, $lat: Float, $lng: Float, $radius: Float!, $needs: [String!]) {
  search(text: $text, near: { lat: $lat, lng: $lng, radiusKm: $radius }, needs: $needs, first: 10) {
    totalCount
    edges { distanceKm node { id name } }
  }
}]]

local function json_string(s)
  return '"' .. s:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('\n', '\\n') .. '"'
end

local function body(phrase, town, radius)
  local needs = "null"
  if phrase[2] then
    needs = "[" .. json_string(phrase[2]) .. "]"
  end
  return '{"query":' .. json_string(query) .. ',"variables":{"text":' .. json_string(phrase[1])
    .. ',"lat":' .. town[1] .. ',"lng":' .. town[2] .. ',"radius":' .. radius
    .. ',"needs":' .. needs .. '}}'
end

-- Short and long alternate, so any run of requests is half and half; each phrasing meets
-- several towns and both radii over the rotation.
local bodies = {}
local rounds = 4
for round = 0, rounds - 1 do
  for i = 1, #long do
    local radius = (i + round) % 2 == 0 and 5 or 10
    local s = short[((i - 1 + round * 7) % #short) + 1]
    local l = long[i]
    bodies[#bodies + 1] = body(s, towns[((i - 1 + round * 5) % #towns) + 1], radius)
    bodies[#bodies + 1] = body(l, towns[((i - 1 + round * 11 + 3) % #towns) + 1], radius)
  end
end

local counter = 0

-- Each wrk thread starts at its own place in the rotation.
setup = function(thread)
  thread:set("counter", counter)
  counter = counter + 37
end

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
