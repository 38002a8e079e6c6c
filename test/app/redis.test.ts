import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { canReach, ensureRedis } from "../../app/redis.ts";
import { REDIS_URL } from "../support/redis.ts";

const dataDir = await mkdtemp(join(tmpdir(), "casebot-redis-"));
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe("finding Redis at start", () => {
  it("uses the configured Redis when it answers", async () => {
    const endpoint = await ensureRedis(REDIS_URL, dataDir);
    expect(endpoint.url).toBe(REDIS_URL);
    expect(endpoint.privateServer).toBeUndefined();
  });

  it("starts a private redis-server when nothing answers, and stops it again", async () => {
    const nowhere = "redis://127.0.0.1:1"; // port 1: nothing listens there
    expect(await canReach(nowhere, 300)).toBe(false);
    const endpoint = await ensureRedis(nowhere, dataDir);
    try {
      expect(endpoint.url).not.toBe(nowhere);
      expect(endpoint.privateServer?.pid).toBeGreaterThan(0);
      const client = new Redis(endpoint.url);
      await client.set("casebot:probe", "1");
      expect(await client.get("casebot:probe")).toBe("1");
      client.disconnect();
    } finally {
      await endpoint.stop();
    }
    const child = endpoint.privateServer;
    if (child && child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once("exit", r));
    expect(await canReach(endpoint.url, 300)).toBe(false);
  });
});
