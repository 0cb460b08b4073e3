import http from "node:http";
import { nowMs, waitUntil } from "../clock";
import { pushedRevision } from "../graphql";
import { latencyRecorder } from "../histogram";
import { SseDataSplitter } from "../../../gameday/lib/sse";
import { postJson } from "./http";
import type { FanoutResult, SseChangeTask, SseCloseTask, SseOpenTask } from "./tasks";

interface Stream {
  request: http.ClientRequest;
  latest: number;
  seenAt: number | null;
}

interface Group {
  readonly streams: Stream[];
  awaiting: number | null;
}

const groups = new Map<string, Group>();
const OPEN_CONCURRENCY = 50;

/** Reads the revision out of an SSE data payload shaped like the gateway's `accountUpdated`. */
function revisionOf(data: string): number | null {
  try {
    return pushedRevision(JSON.parse(data));
  } catch {
    return null;
  }
}

function openStream(group: Group, url: string, body: string, authorization: string | null): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream: Stream = { request: null as unknown as http.ClientRequest, latest: -1, seenAt: null };
    const request = http.request(url, {
      method: "POST",
      agent: false,
      headers: {
        "content-type": "application/json",
        accept: "text/event-stream",
        "content-length": Buffer.byteLength(body),
        ...(authorization && { authorization }),
      },
    });
    stream.request = request;
    request.on("error", reject);
    request.on("response", (response) => {
      if (response.statusCode !== 200) {
        reject(new Error(`SSE stream refused: ${response.statusCode}`));
        response.resume();
        return;
      }
      response.setEncoding("utf8");
      const splitter = new SseDataSplitter();
      response.on("data", (chunk: string) => {
        const at = nowMs();
        for (const data of splitter.push(chunk)) {
          const revision = revisionOf(data);
          if (revision === null) continue;
          const first = stream.latest < 0;
          stream.latest = Math.max(stream.latest, revision);
          if (group.awaiting !== null && revision >= group.awaiting && stream.seenAt === null) {
            stream.seenAt = at;
          }
          if (first) {
            group.streams.push(stream);
            resolve();
          }
        }
      });
      response.on("error", () => undefined);
    });
    request.end(body);
  });
}

export async function openSse(task: SseOpenTask): Promise<{ opened: number }> {
  const group: Group = groups.get(task.group) ?? { streams: [], awaiting: null };
  groups.set(task.group, group);
  let next = 0;
  const worker = async () => {
    while (next < task.count) {
      next++;
      await openStream(group, task.url, task.body, task.authorization);
    }
  };
  await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, task.count) }, worker));
  return { opened: group.streams.length };
}

/** One change → every open stream of the group receives it; latency from the change being sent. */
export async function sseChange(task: SseChangeTask): Promise<FanoutResult> {
  const group = groups.get(task.group);
  if (!group) throw new Error(`no SSE group ${task.group}`);
  const expected = Math.max(...group.streams.map((stream) => stream.latest)) + 1;
  for (const stream of group.streams) stream.seenAt = null;
  group.awaiting = expected;
  const sentAt = nowMs();
  const answer = await postJson(false, task.triggerUrl, task.triggerBody, task.authorization);
  if (answer.status !== 200) throw new Error(`change refused: ${answer.status} ${answer.body}`);
  await waitUntil(() => group.streams.every((stream) => stream.seenAt !== null), "every subscriber", {
    timeoutMs: task.timeoutMs,
    everyMs: 2,
  }).catch(() => undefined);
  group.awaiting = null;
  const recorder = latencyRecorder();
  const latencies: number[] = [];
  for (const stream of group.streams) {
    if (stream.seenAt === null) continue;
    latencies.push(stream.seenAt - sentAt);
    recorder.record(stream.seenAt - sentAt);
  }
  return {
    latencies,
    latency: recorder.summary(),
    received: latencies.length,
    subscribers: group.streams.length,
  };
}

export async function closeSse(task: SseCloseTask): Promise<{ closed: number }> {
  const group = groups.get(task.group);
  groups.delete(task.group);
  for (const stream of group?.streams ?? []) stream.request.destroy();
  return { closed: group?.streams.length ?? 0 };
}
