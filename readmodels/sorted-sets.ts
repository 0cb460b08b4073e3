/** Members of several sorted sets (WITHSCORES replies) in the order one set holding all would give. */
export function mergeByScore(replies: readonly string[][]): string[] {
  const entries: [member: string, score: number][] = [];
  for (const reply of replies) {
    for (let i = 0; i + 1 < reply.length; i += 2) entries.push([reply[i]!, Number(reply[i + 1])]);
  }
  entries.sort(([a, x], [b, y]) => x - y || (a < b ? -1 : a > b ? 1 : 0));
  return entries.map(([member]) => member);
}
