// Fake time for tests of code that waits (rate limits, back-off, schedules): the code under test takes a Clock, the
// test takes a FakeClock and moves it, so a minute of waiting costs no real time.
//
//   const clock = createFakeClock();              // now() === 0
//   const done = work(clock);                     // work() calls clock.sleep(60_000) somewhere
//   await clock.advance(60_000);                  // wakes it; or, when the code also does real I/O (Redis, HTTP):
//   await driveUntilSettled(clock, [done]);       // advances to the next wake-up whenever every task is asleep
import type { Clock } from "../../bot/rate-limit.ts";

export type { Clock } from "../../bot/rate-limit.ts";
export { realClock } from "../../bot/rate-limit.ts";

export interface FakeClock extends Clock {
  /** Moves time forward by `ms`, waking due sleepers in order of their wake-up time, each at its own time. */
  advance(ms: number): Promise<void>;
  /** Sleeps not yet woken. */
  sleepers(): number;
  /** When the earliest sleeper wakes, or undefined when none sleeps. */
  nextWake(): number | undefined;
  /** Resolves at the next `sleep` call (a signal for drivers; no time passes). */
  nextSleep(): Promise<void>;
}

interface Sleeper {
  wakeAt: number;
  seq: number;
  wake: () => void;
}

/** Lets promise callbacks (and one turn of the event loop) run, so woken code reaches its next await. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createFakeClock(start = 0): FakeClock {
  let now = start;
  let seq = 0;
  let sleepers: Sleeper[] = [];
  let sleepSignal: Array<() => void> = [];

  return {
    now: () => now,
    sleep(ms) {
      if (ms <= 0) return Promise.resolve();
      return new Promise<void>((wake) => {
        sleepers.push({ wakeAt: now + ms, seq: seq++, wake });
        sleepers.sort((a, b) => a.wakeAt - b.wakeAt || a.seq - b.seq);
        const signals = sleepSignal;
        sleepSignal = [];
        for (const signal of signals) signal();
      });
    },
    async advance(ms) {
      const target = now + ms;
      for (;;) {
        const first = sleepers[0];
        if (!first || first.wakeAt > target) break;
        now = first.wakeAt;
        const due = sleepers.filter((s) => s.wakeAt === now);
        sleepers = sleepers.filter((s) => s.wakeAt !== now);
        for (const s of due) s.wake();
        await settle();
      }
      now = target;
    },
    sleepers: () => sleepers.length,
    nextWake: () => sleepers[0]?.wakeAt,
    nextSleep: () => new Promise<void>((resolve) => sleepSignal.push(resolve)),
  };
}

/**
 * Runs `tasks` to completion on fake time. It moves the clock only when every unfinished task is asleep on it (so
 * real I/O in between, e.g. Redis or HTTP, always happens at the time the code meant), and then only to the next
 * wake-up. Each task must sleep at most once at a time, as sequential code does. Resolves like Promise.allSettled.
 */
export async function driveUntilSettled<T>(
  clock: FakeClock,
  tasks: ReadonlyArray<Promise<T>>,
): Promise<PromiseSettledResult<T>[]> {
  let unfinished = tasks.length;
  let changed: () => void = () => {};
  const all = Promise.allSettled(
    tasks.map((task) =>
      task.finally(() => {
        unfinished -= 1;
        changed();
      }),
    ),
  );
  while (unfinished > 0) {
    const next = clock.nextWake();
    if (next !== undefined && clock.sleepers() >= unfinished) {
      await clock.advance(next - clock.now());
      continue;
    }
    // Wait for something to happen: a task sleeps or finishes.
    await new Promise<void>((resolve) => {
      changed = resolve;
      void clock.nextSleep().then(resolve);
    });
  }
  return all;
}
