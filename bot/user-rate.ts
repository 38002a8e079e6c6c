// Per-person flood control for the inbound pipeline: at most `perUser` messages per `windowMs` (a sliding window) are
// answered for one userid; beyond that the sender is told once, politely, and the rest is taken but not answered
// until the window frees a slot. Everyone else is unaffected.
//
// In process, not in Redis (bot/rate-limit.ts): the pipeline needs only PostgreSQL today, and answering chat should
// not stop when Redis does. WeCom keeps one long connection per bot, so one process receives those messages anyway;
// with callback mode behind several instances a person could get `perUser` per instance, which still slows a flood.

export interface UserRateLimit {
  /** Messages answered per person per window. */
  perUser: number;
  windowMs: number;
}

/** Twenty a minute: far more than anyone types, few enough that a script cannot tie up the database. */
export const DEFAULT_USER_RATE_LIMIT: UserRateLimit = { perUser: 20, windowMs: 60_000 };

/** ok: answer it; tell: over the limit, say so (first time in this stretch); quiet: over the limit, already told. */
export type Verdict = { kind: "ok" } | { kind: "tell"; waitMs: number } | { kind: "quiet" };

export interface UserRateLimiter {
  take(userid: string): Verdict;
}

/** Above this many people in the map, those with nothing left in their window are dropped. */
const SWEEP_ABOVE = 1000;

export function createUserRateLimiter(limit: UserRateLimit, now: () => number = Date.now): UserRateLimiter {
  const recent = new Map<string, { times: number[]; told: boolean }>();

  function sweep(at: number): void {
    for (const [userid, entry] of recent) {
      if ((entry.times.at(-1) ?? 0) <= at - limit.windowMs) recent.delete(userid);
    }
  }

  return {
    take(userid) {
      const at = now();
      if (recent.size > SWEEP_ABOVE) sweep(at);
      const entry = recent.get(userid) ?? { times: [], told: false };
      recent.set(userid, entry);
      // A message at t holds its slot during [t, t + window).
      while (entry.times.length > 0 && (entry.times[0] ?? 0) <= at - limit.windowMs) entry.times.shift();
      if (entry.times.length < limit.perUser) {
        entry.times.push(at);
        entry.told = false;
        return { kind: "ok" };
      }
      if (entry.told) return { kind: "quiet" };
      entry.told = true;
      const oldest = entry.times[0] ?? at;
      return { kind: "tell", waitMs: Math.max(1, oldest + limit.windowMs - at) };
    },
  };
}

/** The one answer a sender gets when slowed. */
export function slowedAnswer(limit: UserRateLimit, waitMs: number): string {
  const per =
    limit.windowMs % 60_000 === 0 ? `${limit.windowMs / 60_000}分钟` : `${Math.ceil(limit.windowMs / 1000)}秒`;
  return (
    `您的消息有点多，督办助手每${per.replace(/^1(?=分钟)/, "")}最多处理同一人的${limit.perUser}条消息。` +
    `请约${Math.ceil(waitMs / 1000)}秒后再发；在此之前收到的消息不再处理，也不再逐条提示。`
  );
}
