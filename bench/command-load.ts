// The load generator of the command benchmark, run as a child process so that WeCom's side does not share the bot's
// event loop: it starts the fake long-connection server (test/fake-wecom/ws-server.ts), tells the parent where, and on
// request plays `concurrency` users, each sending a question and waiting for the finished reply before the next.
// Latency is from the aibot_msg_callback frame leaving the fake server to the finished reply frame arriving.
import { performance } from "node:perf_hooks";
import { startFakeLongConnection } from "../test/fake-wecom/ws-server.ts";

export interface Question {
  kind: string;
  userid: string;
  chatid?: string;
  text: string;
}

export interface LoadRequest {
  type: "run";
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  questions: Question[];
}

export interface LoadResult {
  /** Latencies in ms of the replies completed inside the measured window, by question kind. */
  latencies: Record<string, number[]>;
  completed: number;
  seconds: number;
  /** Replies that did not come, or that WeCom refused. */
  failures: number;
  firstFailure?: string;
}

const send = (message: unknown) => process.send?.(message);

function record(latencies: Record<string, number[]>, kind: string, ms: number): void {
  const list = latencies[kind] ?? [];
  list.push(ms);
  latencies[kind] = list;
}

const fake = await startFakeLongConnection({ botId: "bench-bot", secret: "bench-secret", record: false });
send({ type: "ready", url: fake.url, botId: fake.botId, secret: fake.secret });

let serial = 0;

async function run(request: LoadRequest): Promise<LoadResult> {
  const latencies: Record<string, number[]> = {};
  let failures = 0;
  let firstFailure: string | undefined;
  let next = 0;
  let completed = 0;
  const started = performance.now();
  const measureFrom = started + request.warmupMs;
  const stopAt = measureFrom + request.durationMs;
  async function user(): Promise<void> {
    while (performance.now() < stopAt) {
      const q = request.questions[next++ % request.questions.length] as Question;
      const sentAt = performance.now();
      try {
        const reqId = fake.sendText({ userid: q.userid, chatid: q.chatid, text: q.text, msgid: `bench-${++serial}` });
        await fake.waitForReply(reqId, 60_000);
      } catch (error) {
        failures++;
        firstFailure ??= error instanceof Error ? error.message : String(error);
        continue;
      }
      const doneAt = performance.now();
      if (sentAt >= measureFrom && doneAt <= stopAt) {
        record(latencies, q.kind, doneAt - sentAt);
        completed++;
      }
    }
  }
  await Promise.all(Array.from({ length: request.concurrency }, () => user()));
  return { latencies, completed, seconds: request.durationMs / 1000, failures, firstFailure };
}

/** Each question once, `concurrency` at a time: the first answers, before anything is kept. */
async function each(concurrency: number, questions: Question[]): Promise<LoadResult> {
  const latencies: Record<string, number[]> = {};
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let q = questions[next++]; q; q = questions[next++]) record(latencies, q.kind, await once(q));
    }),
  );
  return { latencies, completed: questions.length, seconds: (performance.now() - started) / 1000, failures: 0 };
}

async function once(q: Question): Promise<number> {
  const sentAt = performance.now();
  await fake.waitForReply(fake.sendText({ ...q, msgid: `bench-${++serial}` }), 120_000);
  return performance.now() - sentAt;
}

/** Each question once, `concurrency` at a time. */
export interface EachRequest {
  type: "each";
  concurrency: number;
  questions: Question[];
}

type Request = LoadRequest | EachRequest | { type: "once"; question: Question } | { type: "close" };

process.on("message", (message: Request) => {
  if (message.type === "close") {
    void fake.close().then(() => process.exit(0));
    return;
  }
  if (message.type === "once") {
    void once(message.question).then((ms) => send({ type: "once", ms }));
    return;
  }
  if (message.type === "each") {
    void each(message.concurrency, message.questions).then((result) => send({ type: "result", result }));
    return;
  }
  void run(message).then((result) => send({ type: "result", result }));
});
