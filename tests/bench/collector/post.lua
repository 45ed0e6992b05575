-- wrk script of the collector benchmark: POSTs a realistic report (a template from
-- collector-bench-tool) with a fresh report_id each time, spread over $CAPPROBE_SUBJECTS nodes.
local thread_count = 0

function setup(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  local file = assert(io.open(os.getenv("CAPPROBE_TEMPLATE"), "rb"))
  local text = file:read("*a")
  file:close()
  local id_from, id_to = text:find("@@ID@@", 1, true)
  local node_from, node_to = text:find("@@NODE@@", 1, true)
  assert(id_from and node_from and id_from < node_from, "template lacks @@ID@@ or @@NODE@@")
  before_id = text:sub(1, id_from - 1)
  between = text:sub(id_to + 1, node_from - 1)
  after_node = text:sub(node_to + 1)
  subjects = tonumber(os.getenv("CAPPROBE_SUBJECTS") or "10000")
  threads = tonumber(os.getenv("CAPPROBE_THREADS") or "2")
  run_id = os.getenv("CAPPROBE_RUN") or tostring(os.time())
  counter = 0
  -- wrk.format takes these instead of wrk's own, so the -H headers (Connection: close) join them.
  headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Content-Type"] = "application/json"
  local token = os.getenv("CAPPROBE_TOKEN")
  if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
end

function request()
  counter = counter + 1
  local sequence = counter * threads + tid
  local body = before_id .. run_id .. "-" .. tid .. "-" .. counter .. between ..
               "node-" .. (sequence % subjects) .. after_node
  return wrk.format("POST", "/api/v1/reports", headers, body)
end

local statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
