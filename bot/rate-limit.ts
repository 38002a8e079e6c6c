// A sliding-window rate limiter shared by every process through Redis: at most `limit` sends per `windowMs` per key
// (消息推送: 20 per minute per robot; a 21st gets errcode 45009 and a minute-long ban).
//
// Time comes from the caller's clock, not from Redis TIME. That lets tests drive the window with a fake clock (no
// real waiting) and share it with the fake WeCom; the price is that processes must agree on the time (NTP), since an
// entry from a process whose clock is late leaves the window early. WeCom's own clock and the network delay differ
// from ours anyway, which is why the webhook's window carries a safety margin (WEBHOOK_WINDOW_MS).
import { createHash, randomUUID } from "node:crypto";
import type { Redis } from "ioredis";

/** Where time comes from; inject a fake one in tests. `sleep` waits on this clock's time. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/**
 * Contract
 *   KEYS[1]  sorted set of one key's recent sends: member = unique id, score = send time (ms)
 *   ARGV[1]  now (ms)     ARGV[2]  window (ms)     ARGV[3]  limit     ARGV[4]  unique member for this send
 * Atomically: drops entries with score <= now - window (an entry at t holds its slot during [t, t + window)),
 * counts the rest, and
 *   - below the limit: records this send at `now`, sets the key to expire after a window, returns 0;
 *   - otherwise: records nothing and returns the ms (>= 1) until enough entries leave for one slot to free.
 */
const SLIDING_WINDOW_LUA = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, window)
  return 0
end
local freeing = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
local wait = tonumber(freeing[2]) + window - now
if wait < 1 then wait = 1 end
return wait
`;

export interface SlidingWindowOptions {
  redis: Redis;
  /** Key prefix, e.g. "casebot" or a test's own prefix. */
  prefix: string;
  /** Sends allowed per window. */
  limit: number;
  windowMs: number;
  /** Default realClock. */
  clock?: Clock;
}

export interface SlidingWindow {
  /** Takes a slot for `key`, waiting (on the clock) as long as the window is full; resolves to the ms it waited. */
  acquire(key: string): Promise<number>;
  /** Takes a slot and returns 0, or takes nothing and returns the ms to wait before trying again. */
  tryAcquire(key: string): Promise<number>;
}

export function createSlidingWindow(options: SlidingWindowOptions): SlidingWindow {
  const { redis, prefix, limit, windowMs } = options;
  const clock = options.clock ?? realClock;
  // Keys are webhook keys, i.e. secrets: Redis only ever sees a hash of them.
  const redisKey = (key: string) => `${prefix}:rate:${createHash("sha256").update(key).digest("hex").slice(0, 32)}`;

  async function tryAcquire(key: string): Promise<number> {
    const now = clock.now();
    const wait = await redis.eval(SLIDING_WINDOW_LUA, 1, redisKey(key), now, windowMs, limit, `${now}:${randomUUID()}`);
    return Number(wait);
  }

  return {
    tryAcquire,
    async acquire(key) {
      let waited = 0;
      for (;;) {
        const wait = await tryAcquire(key);
        if (wait === 0) return waited;
        await clock.sleep(wait);
        waited += wait;
      }
    },
  };
}
