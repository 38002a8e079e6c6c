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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
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
  const dir = join(dataDir, "redis");
  await mkdir(dir, { recursive: true });
  const child = spawn(binary, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    cwd: dir,
    stdio: "ignore",
  });
  const privateUrl = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    if (await canReach(privateUrl, 200)) {
      return {
        url: privateUrl,
        privateServer: child,
        async stop() {
          child.kill("SIGTERM");
        },
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new RedisUnavailableError(`started ${binary} on port ${port}, but it did not answer within 5 s`);
}
