// A redis-server of the benchmark's own, on a free port and without persistence: its memory figures are the
// scheduler's alone (the shared Redis on 6379 carries other work), and it may be flushed between measurements.
import { Redis } from "ioredis";
import { freePort, startRedisServer } from "../app/redis.ts";

export interface PrivateRedis {
  url: string;
  redis: Redis;
  /** INFO memory's used_memory, in bytes. */
  usedMemory(): Promise<number>;
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const child = await startRedisServer({ port });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  const redis = new Redis(url, { maxRetriesPerRequest: null });
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
