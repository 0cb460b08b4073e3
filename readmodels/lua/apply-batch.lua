--[[
apply-batch: applies one projector batch to Redis atomically, with its duplicate guards and its
checkpoint, then publishes change notices for what actually changed.

KEYS[1]  the projector's checkpoint key
ARGV[1]  JSON: {
  "expected": "<commit>:<prepare>" | "",   -- checkpoint the projector believes Redis holds
  "hold": true | absent,                   -- an earlier part of the batch broke: never move the checkpoint
  "fence": [key, field, value, default] | absent, -- write only while HGET key field (default when
                                           -- missing) equals value: the generation written to is
                                           -- still the one the writer was given
  "quiet": true | absent,                  -- publish no notices (a generation nobody reads yet)
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
  ["snapshot", streamKey, id, maxlen, hashKey]            an entry holding the hash as it is now:
                                                          the field "~view" (empty), then the
                                                          hash's fields and values
An entry whose id is not above the stream's last id is skipped (never an error mid-script).
And two ops that keep the greatest value, so views written from many streams (possibly by several
partitions, in any order) end the same:
  ["hmaxpos", key, field, position]   set when the position is after the stored one
  ["hmaxstr", key, field, text]       set when the text sorts after the stored one (ISO instants)

An operation has at most 7,000 parts (name, key and arguments: what one Redis call can be passed
from Lua); a longer one fails the unit's checks.

A unit applies when its guard's stored revision is exactly revision - 1 (missing counts as -1);
a lower or equal revision is a duplicate and changes nothing; a higher one is a gap (an earlier
event of that stream has not been applied), which is refused so a view is never built out of order.

All or nothing, per unit: Redis keeps the writes a script made before an error, so a unit is
checked whole before its first write: the type of every key it touches (as the units before it
left them), the shape of every operation's arguments, and the values an increment or a
comparison will read. A unit that fails a check writes nothing, not even its guard, and is
reported failed with the reason, never as applied or duplicate; the units after it go on.

The checkpoint moves to the last unit of the unbroken prefix of applied or duplicate units, and
never backwards.

Returns: { "ok" | "lost", checkpointWritten ("" if unchanged), { code per unit (1 applied,
0 duplicate, -1 gap, -2 failed) }, { unit index, reason, ... } for units that failed a check }.
"lost" means the checkpoint vanished (Redis lost its data): nothing was written and the projector
must rebuild. "fenced" means the fence no longer holds (the view's live generation moved, or a
rebuild was cancelled): nothing was written and the writer must look up where to write now.
]]

local batch = cjson.decode(ARGV[1])

if batch.fence then
  local held = redis.call('HGET', batch.fence[1], batch.fence[2])
  if not held then held = batch.fence[4] or '' end
  if held ~= batch.fence[3] then return { 'fenced', '' } end
end

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

-- Checks -------------------------------------------------------------------------------------

local function isPosition(text)
  return type(text) == 'string' and string.match(text, '^%d+:%d+$') ~= nil
end

local function isEntryId(text)
  return type(text) == 'string' and string.match(text, '^%d+%-%d+$') ~= nil
end

-- Integers as Redis takes them for INCRBY / HINCRBY, kept within what a double holds exactly so
-- the sum checked here is the sum Redis will store.
local safe = 9007199254740991
local function integer(text)
  if type(text) ~= 'string' or not string.match(text, '^%-?%d+$') or #text > 16 then return nil end
  if string.match(text, '^%-?0%d') or text == '-0' then return nil end
  local n = tonumber(text)
  if n == nil or n > safe or n < -safe then return nil end
  return n
end

local function number(text)
  local n = type(text) == 'string' and tonumber(text) or nil
  if n == nil or n ~= n or n == math.huge or n == -math.huge then return nil end
  return n
end

-- The type each key has after the units applied so far (looked up once, forgotten when written).
local knownType = {}
local function storedType(key)
  local t = knownType[key]
  if t == nil then
    t = redis.call('TYPE', key).ok
    knownType[key] = t
  end
  return t
end

-- One unit's view of Redis while it is checked: the types and hash fields its own earlier
-- operations will have left, over what Redis holds now.
local function newPlan()
  return { types = {}, fields = {}, cleared = {}, touched = {}, shrinks = {} }
end

local function planType(plan, key)
  local t = plan.types[key]
  if t ~= nil then return t end
  return storedType(key)
end

local function expectType(plan, key, want, name)
  local t = planType(plan, key)
  if t ~= 'none' and t ~= want then
    return name .. ' needs a ' .. want .. ' at ' .. key .. ', which holds a ' .. t
  end
  plan.types[key] = want
  plan.touched[key] = true
  return nil
end

-- The fields a unit's earlier operations set (a value) or removed (false), by key then field.
local function pendingFields(plan, key)
  local fields = plan.fields[key]
  if fields == nil then
    fields = {}
    plan.fields[key] = fields
  end
  return fields
end

local function fieldValue(plan, key, field)
  local fields = plan.fields[key]
  local pending = fields and fields[field]
  if pending ~= nil then
    if pending == false then return nil end
    return pending
  end
  if plan.cleared[key] or storedType(key) ~= 'hash' then return nil end
  -- A missing field comes back from Redis as false, not nil.
  return redis.call('HGET', key, field) or nil
end

local function allStrings(op, from)
  for i = from, #op do
    if type(op[i]) ~= 'string' then return false end
  end
  return true
end

-- Lua passes at most ~8,000 values to one Redis call: the most parts (name, key, arguments) one
-- operation may have, and the most values of a hash a snapshot passes as fields.
local maxCallValues = 7000

local checks = {}

checks.hset = function(plan, op)
  if #op < 4 or (#op - 2) % 2 ~= 0 then return 'hset takes field value pairs' end
  local problem = expectType(plan, op[2], 'hash', 'hset')
  if problem then return problem end
  local fields = pendingFields(plan, op[2])
  for i = 3, #op, 2 do fields[op[i]] = op[i + 1] end
end

checks.hsetnx = function(plan, op)
  if #op ~= 4 then return 'hsetnx takes one field and one value' end
  local problem = expectType(plan, op[2], 'hash', 'hsetnx')
  if problem then return problem end
  if fieldValue(plan, op[2], op[3]) == nil then pendingFields(plan, op[2])[op[3]] = op[4] end
end

checks.hdel = function(plan, op)
  if #op < 3 then return 'hdel takes at least one field' end
  local problem = expectType(plan, op[2], 'hash', 'hdel')
  if problem then return problem end
  plan.shrinks[op[2]] = true
  local fields = pendingFields(plan, op[2])
  for i = 3, #op do fields[op[i]] = false end
end

checks.hincrby = function(plan, op)
  if #op ~= 4 then return 'hincrby takes one field and one increment' end
  local by = integer(op[4])
  if by == nil then return 'hincrby increment is not an integer: ' .. tostring(op[4]) end
  local problem = expectType(plan, op[2], 'hash', 'hincrby')
  if problem then return problem end
  local current = fieldValue(plan, op[2], op[3])
  local base = 0
  if current ~= nil then
    base = integer(current)
    if base == nil then return 'hincrby on ' .. op[2] .. ' ' .. op[3] .. ', which holds no integer' end
  end
  local sum = base + by
  if sum > safe or sum < -safe then return 'hincrby would overflow ' .. op[2] .. ' ' .. op[3] end
  pendingFields(plan, op[2])[op[3]] = string.format('%d', sum)
end

checks.hmaxpos = function(plan, op)
  if #op ~= 4 or not isPosition(op[4]) then return 'hmaxpos takes a field and a position' end
  local problem = expectType(plan, op[2], 'hash', 'hmaxpos')
  if problem then return problem end
  local current = fieldValue(plan, op[2], op[3])
  if current ~= nil and not isPosition(current) then
    return 'hmaxpos on ' .. op[2] .. ' ' .. op[3] .. ', which holds no position'
  end
  if current == nil or after(op[4], current) then pendingFields(plan, op[2])[op[3]] = op[4] end
end

checks.hmaxstr = function(plan, op)
  if #op ~= 4 then return 'hmaxstr takes a field and a text' end
  local problem = expectType(plan, op[2], 'hash', 'hmaxstr')
  if problem then return problem end
  local current = fieldValue(plan, op[2], op[3])
  if current == nil or op[4] > current then pendingFields(plan, op[2])[op[3]] = op[4] end
end

checks.zadd = function(plan, op)
  if #op ~= 4 or number(op[3]) == nil then return 'zadd takes a numeric score and a member' end
  return expectType(plan, op[2], 'zset', 'zadd')
end

checks.zincrby = function(plan, op)
  if #op ~= 4 or number(op[3]) == nil then return 'zincrby takes a numeric increment and a member' end
  return expectType(plan, op[2], 'zset', 'zincrby')
end

checks.zrem = function(plan, op)
  if #op < 3 then return 'zrem takes at least one member' end
  plan.shrinks[op[2]] = true
  return expectType(plan, op[2], 'zset', 'zrem')
end

checks.sadd = function(plan, op)
  if #op < 3 then return 'sadd takes at least one member' end
  return expectType(plan, op[2], 'set', 'sadd')
end

checks.srem = function(plan, op)
  if #op < 3 then return 'srem takes at least one member' end
  plan.shrinks[op[2]] = true
  return expectType(plan, op[2], 'set', 'srem')
end

checks.set = function(plan, op)
  if #op ~= 3 then return 'set takes one value' end
  -- SET would silently replace a key of another type (another view): refuse that instead.
  return expectType(plan, op[2], 'string', 'set')
end

checks.incrby = function(plan, op)
  if #op ~= 3 or integer(op[3]) == nil then return 'incrby takes an integer' end
  local problem = expectType(plan, op[2], 'string', 'incrby')
  if problem then return problem end
  if not plan.cleared[op[2]] and storedType(op[2]) == 'string' then
    local current = redis.call('GET', op[2])
    if current and integer(current) == nil then return 'incrby on ' .. op[2] .. ', which holds no integer' end
  end
end

checks.del = function(plan, op)
  if #op ~= 2 then return 'del takes one key' end
  plan.types[op[2]] = 'none'
  plan.cleared[op[2]] = true
  plan.touched[op[2]] = true
  plan.shrinks[op[2]] = true
  -- Every field it had is gone: a cleared key answers nil for fields not set since.
  plan.fields[op[2]] = {}
end

checks.xappend = function(plan, op)
  if #op < 6 or (#op - 4) % 2 ~= 0 or not isEntryId(op[3]) or integer(op[4]) == nil then
    return 'xappend takes an entry id, a max length and field value pairs'
  end
  return expectType(plan, op[2], 'stream', 'xappend')
end

checks.snapshot = function(plan, op)
  if #op ~= 5 or not isEntryId(op[3]) or integer(op[4]) == nil then
    return 'snapshot takes an entry id, a max length and a hash key'
  end
  local problem = expectType(plan, op[2], 'stream', 'snapshot')
  if problem then return problem end
  local source = planType(plan, op[5])
  if source ~= 'none' and source ~= 'hash' then
    return 'snapshot reads a hash at ' .. op[5] .. ', which holds a ' .. source
  end
end

-- Why the unit cannot be applied whole, or nil when it can.
local function checkUnit(unit, guard)
  local plan = newPlan()
  if guard then
    local problem = expectType(plan, guard.key, 'hash', 'the guard')
    if problem then return problem end
  end
  if type(unit.ops) ~= 'table' then return 'ops is not a list' end
  for _, op in ipairs(unit.ops) do
    if type(op) ~= 'table' or #op < 2 or not allStrings(op, 1) or op[2] == '' then
      return 'an operation is not a name, a key and text arguments'
    end
    -- A longer operation would fail halfway through the unit's writes: refused here, before the first.
    if #op > maxCallValues then
      return 'an operation has more than ' .. maxCallValues .. ' parts: ' .. op[1] .. ' ' .. op[2]
    end
    local check = checks[string.lower(op[1])]
    if not check then return 'operation not allowed: ' .. op[1] end
    local problem = check(plan, op)
    if problem then return problem end
  end
  if unit.n ~= nil and type(unit.n) ~= 'table' then return 'notices is not a list' end
  for _, notice in ipairs(unit.n or {}) do
    if type(notice) ~= 'table' or type(notice[1]) ~= 'string' or type(notice[2]) ~= 'string' then
      return 'a notice is not a channel and a message'
    end
  end
  return nil, plan
end

-- Writes ---------------------------------------------------------------------------------------

-- The first field of a snapshot entry: what tells it from the entries of the earlier format (one
-- field, "view", holding the hash as JSON), which histories written before may still hold.
local snapshotMark = '~view'

-- An entry at or below the stream's last id is one already written (a replayed event): XADD
-- refuses it, and that refusal is the check (one call instead of reading the last entry first).
local function streamAppend(streamKey, id, maxlen, ...)
  local added
  if maxlen == '0' then
    added = redis.pcall('XADD', streamKey, id, ...)
  else
    added = redis.pcall('XADD', streamKey, 'MAXLEN', maxlen, id, ...)
  end
  if type(added) == 'table' and added.err then
    if string.find(added.err, 'equal or smaller', 1, true) then return end
    error(added)
  end
end

-- A hash with more fields than one call can be passed (maxCallValues) is written in the earlier
-- form, one field "view" holding it as JSON (sorted, so the same view is the same text), which
-- readers take too.

local function sortedJson(flat)
  local names = {}
  local values = {}
  for i = 1, #flat, 2 do
    names[#names + 1] = flat[i]
    values[flat[i]] = flat[i + 1]
  end
  table.sort(names)
  local parts = {}
  for _, field in ipairs(names) do
    parts[#parts + 1] = cjson.encode(field) .. ':' .. cjson.encode(values[field])
  end
  return '{' .. table.concat(parts, ',') .. '}'
end

-- The hash a unit's last snapshot read, while no other operation of the unit has run since: the
-- same view written to several histories (an order's own, its customer's, every order's) is read
-- once.
local lastRead = { key = nil, view = nil }

local function runOp(op)
  local name = string.lower(op[1])
  if name ~= 'snapshot' then lastRead.key = nil end
  if name == 'xappend' then
    streamAppend(op[2], op[3], op[4], unpack(op, 5))
  elseif name == 'snapshot' then
    -- The entry holds the hash's fields as they are (after the mark that says so), in the order
    -- Redis returns them: readers take them by name, and the test dumps compare them sorted. Each
    -- entry of a history has the same fields in the same order as long as the hash does, which
    -- Redis stores once per stream node rather than per entry.
    if lastRead.key ~= op[5] then
      lastRead.key = op[5]
      lastRead.view = redis.call('HGETALL', op[5])
    end
    if #lastRead.view <= maxCallValues then
      streamAppend(op[2], op[3], op[4], snapshotMark, '', unpack(lastRead.view))
    else
      streamAppend(op[2], op[3], op[4], 'view', sortedJson(lastRead.view))
    end
  elseif name == 'hmaxpos' then
    local current = redis.call('HGET', op[2], op[3])
    if not current or after(op[4], current) then redis.call('HSET', op[2], op[3], op[4]) end
  elseif name == 'hmaxstr' then
    local current = redis.call('HGET', op[2], op[3])
    if not current or op[4] > current then redis.call('HSET', op[2], op[3], op[4]) end
  else
    redis.call(name, unpack(op, 2))
  end
end

local guardCache = {}
local codes = {}
local failures = {}
local notices = {}
local noticeOrder = {}
local checkpoint = nil
local unbroken = not batch.hold

for i, unit in ipairs(batch.units) do
  local code
  local guard = nil
  if unit.g ~= cjson.null and unit.g ~= nil then
    guard = { key = unit.g[1], field = unit.g[2], rev = tonumber(unit.g[3]) }
  end
  if not unit.ok then
    code = -2
  elseif guard and (type(guard.key) ~= 'string' or type(guard.field) ~= 'string' or guard.rev == nil) then
    code = -2
    failures[#failures + 1] = i
    failures[#failures + 1] = 'the guard is not a key, a field and a revision'
  else
    local current = -1
    local cacheKey
    if guard then
      cacheKey = guard.key .. '\0' .. guard.field
      current = guardCache[cacheKey]
      if current == nil then
        local stored = storedType(guard.key) == 'hash' and redis.call('HGET', guard.key, guard.field) or nil
        current = -1
        if stored then current = integer(stored) end
      end
    end
    if current == nil then
      code = -2
      failures[#failures + 1] = i
      failures[#failures + 1] = 'the guard at ' .. guard.key .. ' ' .. guard.field .. ' holds no revision'
    elseif guard and guard.rev <= current then
      code = 0
    elseif guard and guard.rev > current + 1 then
      code = -1
    else
      local problem, plan = checkUnit(unit, guard)
      if problem then
        code = -2
        failures[#failures + 1] = i
        failures[#failures + 1] = problem
      else
        code = 1
        if guard then
          guardCache[cacheKey] = guard.rev
          redis.call('HSET', guard.key, guard.field, guard.rev)
        end
        lastRead.key = nil
        for _, op in ipairs(unit.ops) do runOp(op) end
        -- Every key the unit wrote now has the type its checks planned (each write leaves its key
        -- in existence), except where an element or the key was removed: the key may be gone, so
        -- look that one up again when asked.
        for key in pairs(plan.touched) do
          if plan.shrinks[key] then knownType[key] = nil else knownType[key] = plan.types[key] end
        end
        for _, notice in ipairs(unit.n or {}) do
          if notices[notice[1]] == nil then table.insert(noticeOrder, notice[1]) end
          notices[notice[1]] = notice[2]
        end
      end
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

if not batch.quiet then
  for _, channel in ipairs(noticeOrder) do
    redis.call('PUBLISH', channel, notices[channel])
  end
end

return { 'ok', written, codes, failures }
