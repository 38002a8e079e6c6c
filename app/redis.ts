// Redis carries work in flight (BullMQ). If none answers at REDIS_URL and redis-server is installed, start a
// private one for this session: nothing is lost by it, since PostgreSQL stays the record.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { Redis } from "ioredis";

export interface RedisEndpoint {
  url: string;
  /** Set when we started redis-server ourselves. */
  privateServer?: ChildProcess;
  stop(): Promise<void>;
}

export class RedisUnavailableError extends Error {}

export async function canReach(url: string, timeoutMs = 1500): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: timeoutMs });
  client.on("error", () => {});
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

function redisServerBinary(): string | undefined {
  const found = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  const path = found.stdout.trim();
  return found.status === 0 && path ? path : undefined;
}

/** A port nothing listens on right now, on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * Starts redis-server on `port` keeping nothing on disk, and resolves once it answers; after 5 s it is killed and
 * this throws. The one way this project starts a Redis of its own (npm start, the benchmarks, the soak).
 */
export async function startRedisServer(options: {
  port: number;
  binary?: string;
  cwd?: string;
}): Promise<ChildProcess> {
  const binary = options.binary ?? "redis-server";
  const child = spawn(
    binary,
    ["--port", String(options.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      cwd: options.cwd,
      stdio: "ignore",
    },
  );
  const url = `redis://127.0.0.1:${options.port}`;
  for (let i = 0; i < 50; i++) {
    if (await canReach(url, 200)) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`started ${binary} on port ${options.port}, but it did not answer within 5 s`);
}

export async function ensureRedis(url: string, dataDir: string): Promise<RedisEndpoint> {
  if (await canReach(url)) return { url, stop: async () => {} };
  const binary = redisServerBinary();
  if (!binary) {
    throw new RedisUnavailableError(
      `Redis is not reachable at ${url}, and no redis-server is installed to start one.\n` +
        "  Install it:  sudo apt-get install redis-server   (Debian/Ubuntu; or your distribution's package)\n" +
        "  or point REDIS_URL at a running Redis, e.g. REDIS_URL=redis://10.0.0.5:6379",
    );
  }
  const port = await freePort();
  const cwd = join(dataDir, "redis");
  await mkdir(cwd, { recursive: true });
  let child: ChildProcess;
  try {
    child = await startRedisServer({ port, binary, cwd });
  } catch (error) {
    throw new RedisUnavailableError((error as Error).message);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    privateServer: child,
    async stop() {
      child.kill("SIGTERM");
    },
  };
}
