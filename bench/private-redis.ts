// A redis-server of the benchmark's own, on a free port and without persistence: its memory figures are the
// scheduler's alone (the shared Redis on 6379 carries other work), and it may be flushed between measurements.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { Redis } from "ioredis";

export interface PrivateRedis {
  url: string;
  redis: Redis;
  /** INFO memory's used_memory, in bytes. */
  usedMemory(): Promise<number>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no free port");
  return address.port;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  const redis = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: (n) => (n > 50 ? null : 100) });
  redis.on("error", () => {}); // refused until the server listens; retried above
  await redis.ping();
  return {
    url,
    redis,
    async usedMemory() {
      const info = await redis.info("memory");
      return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
    },
    async stop() {
      redis.disconnect();
      child.kill("SIGTERM");
      await exited;
    },
  };
}
