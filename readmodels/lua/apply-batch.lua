--[[
apply-batch: applies one projector batch to Redis atomically, with its duplicate guards and its
checkpoint, then publishes change notices for what actually changed.

KEYS[1]  the projector's checkpoint key
ARGV[1]  JSON: {
  "expected": "<commit>:<prepare>" | "",   -- checkpoint the projector believes Redis holds
  "units": [ {
     "pos":  "<commit>:<prepare>",          -- the event's global position
     "ok":   true | false,                  -- false: the handler failed, nothing to write
     "g":    [guardKey, guardField, revision] | null,
     "ops":  [ ["hset", key, f, v, ...] | ["hincrby", key, f, n] | ["zadd", key, score, m] | ... ],
     "n":    [ [channel, message], ... ]    -- notices, published only if the unit applied
  } ]
}

Besides plain Redis commands, two ops append to Redis streams whose entry ids are event positions
("<commit>-<prepare>"), so a reader can ask for "everything after the position I saw":
  ["xappend", streamKey, id, maxlen, field, value, ...]  an entry (maxlen "0" keeps everything)
  ["snapshot", streamKey, id, maxlen, hashKey]            an entry holding the hash as it is now
An entry whose id is not above the stream's last id is skipped (never an error mid-script).
And two ops that keep the greatest value, so views written from many streams (possibly by several
partitions, in any order) end the same:
  ["hmaxpos", key, field, position]   set when the position is after the stored one
  ["hmaxstr", key, field, text]       set when the text sorts after the stored one (ISO instants)

A unit applies when its guard's stored revision is exactly revision - 1 (missing counts as -1);
a lower or equal revision is a duplicate and changes nothing; a higher one is a gap (an earlier
event of that stream has not been applied), which is refused so a view is never built out of order.
The checkpoint moves to the last unit of the unbroken prefix of applied or duplicate units, and
never backwards.

Returns: { "ok" | "lost", checkpointWritten ("" if unchanged), code per unit (1 applied,
0 duplicate, -1 gap, -2 failed) }. "lost" means the checkpoint vanished (Redis lost its data):
nothing was written and the projector must rebuild.
]]

local batch = cjson.decode(ARGV[1])
local stored = redis.call('GET', KEYS[1])

if batch.expected ~= '' and not stored then
  return { 'lost', '' }
end

local function parse(pos)
  local c, p = string.match(pos, '^(%d+):(%d+)$')
  return tonumber(c), tonumber(p)
end

local function after(a, b)
  if not b then return true end
  local ac, ap = parse(a)
  local bc, bp = parse(b)
  return ac > bc or (ac == bc and ap > bp)
end

local allowed = {
  hset = true, hincrby = true, hdel = true, zadd = true, zrem = true, zincrby = true,
  sadd = true, srem = true, del = true, xadd = true, incrby = true, set = true, hsetnx = true,
}

local function idAbove(streamKey, id)
  local last = redis.call('XREVRANGE', streamKey, '+', '-', 'COUNT', 1)[1]
  if not last then return true end
  local a1, a2 = string.match(id, '^(%d+)-(%d+)$')
  local b1, b2 = string.match(last[1], '^(%d+)-(%d+)$')
  a1, a2, b1, b2 = tonumber(a1), tonumber(a2), tonumber(b1), tonumber(b2)
  return a1 > b1 or (a1 == b1 and a2 > b2)
end

local function streamAppend(streamKey, id, maxlen, fields)
  if not idAbove(streamKey, id) then return end
  if maxlen == '0' then
    redis.call('XADD', streamKey, id, unpack(fields))
  else
    redis.call('XADD', streamKey, 'MAXLEN', maxlen, id, unpack(fields))
  end
end

local function runOp(op)
  local name = string.lower(op[1])
  if name == 'xappend' then
    local fields = {}
    for i = 5, #op do fields[#fields + 1] = op[i] end
    streamAppend(op[2], op[3], op[4], fields)
  elseif name == 'snapshot' then
    -- JSON with the fields sorted, so the same view always gives the same text whatever order
    -- Redis keeps the hash's fields in (a rebuild must compare equal byte for byte).
    local view = redis.call('HGETALL', op[5])
    local names = {}
    local values = {}
    for i = 1, #view, 2 do
      names[#names + 1] = view[i]
      values[view[i]] = view[i + 1]
    end
    table.sort(names)
    local parts = {}
    for _, field in ipairs(names) do
      parts[#parts + 1] = cjson.encode(field) .. ':' .. cjson.encode(values[field])
    end
    streamAppend(op[2], op[3], op[4], { 'view', '{' .. table.concat(parts, ',') .. '}' })
  elseif name == 'hmaxpos' then
    local current = redis.call('HGET', op[2], op[3])
    if not current or after(op[4], current) then redis.call('HSET', op[2], op[3], op[4]) end
  elseif name == 'hmaxstr' then
    local current = redis.call('HGET', op[2], op[3])
    if not current or op[4] > current then redis.call('HSET', op[2], op[3], op[4]) end
  elseif allowed[name] then
    redis.call(name, unpack(op, 2))
  else
    error('apply-batch: operation not allowed: ' .. name)
  end
end

local guardCache = {}
local codes = {}
local notices = {}
local noticeOrder = {}
local checkpoint = nil
local unbroken = true

for i, unit in ipairs(batch.units) do
  local code
  if not unit.ok then
    code = -2
  elseif unit.g == cjson.null or unit.g == nil then
    code = 1
  else
    local gkey, gfield, rev = unit.g[1], unit.g[2], tonumber(unit.g[3])
    local cacheKey = gkey .. '\0' .. gfield
    local current = guardCache[cacheKey]
    if current == nil then
      current = tonumber(redis.call('HGET', gkey, gfield)) or -1
    end
    if rev <= current then
      code = 0
    elseif rev == current + 1 then
      code = 1
      guardCache[cacheKey] = rev
      redis.call('HSET', gkey, gfield, rev)
    else
      code = -1
    end
  end

  if code == 1 then
    for _, op in ipairs(unit.ops) do runOp(op) end
    for _, notice in ipairs(unit.n or {}) do
      if notices[notice[1]] == nil then table.insert(noticeOrder, notice[1]) end
      notices[notice[1]] = notice[2]
    end
  end

  if code < 0 then unbroken = false end
  if unbroken then checkpoint = unit.pos end
  codes[i] = code
end

local written = ''
if checkpoint and after(checkpoint, stored) then
  redis.call('SET', KEYS[1], checkpoint)
  written = checkpoint
end

for _, channel in ipairs(noticeOrder) do
  redis.call('PUBLISH', channel, notices[channel])
end

local reply = { 'ok', written }
for i = 1, #codes do reply[i + 2] = codes[i] end
return reply
