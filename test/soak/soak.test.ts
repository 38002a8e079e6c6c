// About a minute of commands, 交办 notices and reminders at once, with Redis killed and started again twice: nothing
// lost or sent twice, every command answered, no warning a restart does not explain, and memory and open handles
// flat. A longer run: `npm run bench -- soak` (SOAK_SECONDS, default 300).
import { describe, expect, it } from "vitest";
import { runSoak, type SoakReport } from "./run-soak.ts";

const SECONDS = Number(process.env.SOAK_TEST_SECONDS ?? 60);
/** Heap (after a full GC) may end this much above where the warm run started: caches and pools settling. */
const HEAP_TOLERANCE_MB = 8;

function summary(r: SoakReport): string {
  const kinds = (h: Record<string, number>) =>
    Object.entries(h)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
  return [
    `soak: ${r.seconds} s, ${r.commandsAnswered}/${r.commandsSent} commands answered, ${r.pushes} pushes ` +
      `(${r.outboxRows} outbox rows, ${r.reminderSlots} reminder slots, ${r.followUps} follow-ups), ` +
      `${r.restarts} Redis restarts (${r.recoveries} recoveries), drained in ${r.drainMs} ms`,
    `soak: heap ${r.heapFirstThirdMb.toFixed(1)} → ${r.heapLastThirdMb.toFixed(1)} MB (first/last third medians of ` +
      `${r.heapSamplesMb.length} samples), Redis clients ${r.redisClientsBefore} → ${r.redisClientsEnd}`,
    `soak: handles before ${kinds(r.handlesBefore)} | warm ${kinds(r.handlesWarm)} | end ${kinds(r.handlesEnd)} | ` +
      `after stop ${kinds(r.handlesAfterStop)}`,
    `soak: ${r.warnings.length} warnings logged (${r.consoleErrors} by console.error), ${r.unexpected.length} ` +
      `unexpected${r.unexpected.length ? `: ${[...new Set(r.unexpected.map((w) => w.msg))].join(" | ")}` : ""}`,
    ...(r.deliveryProblems.length ? [`soak: delivery problems: ${r.deliveryProblems.slice(0, 10).join("; ")}`] : []),
    ...(r.badAnswers.length ? [`soak: bad answers: ${r.badAnswers.join(" | ")}`] : []),
  ].join("\n");
}

describe("soak", () => {
  it(
    "keeps answering and delivering once through two Redis restarts, with memory and handles flat",
    async () => {
      const report = await runSoak({ seconds: SECONDS, restarts: 2 });
      process.stdout.write(`${summary(report)}\n`);

      expect(report.restarts).toBe(2);
      // Each restart is noticed and recovered once (not once per watchdog round that waited for Redis).
      expect(report.recoveries).toBe(2);
      // Commands: a steady stream, each answered once and properly.
      expect(report.commandsAnswered).toBeGreaterThan(SECONDS * 3);
      expect(report.commandsLost).toBe(0);
      expect(report.badAnswers).toEqual([]);
      // Pushes: every outbox row and reminder slot reached the fake WeCom exactly once, none refused.
      expect(report.outboxRows).toBeGreaterThan(SECONDS / 4);
      expect(report.reminderSlots).toBeGreaterThan(SECONDS / 2);
      expect(report.deliveryProblems).toEqual([]);
      expect(report.pushesRejected).toBe(0);
      // Only what a Redis restart explains was logged.
      expect(report.unexpected.map((w) => w.msg)).toEqual([]);
      // Memory and handles flat.
      expect(report.heapLastThirdMb).toBeLessThanOrEqual(report.heapFirstThirdMb + HEAP_TOLERANCE_MB);
      expect(report.redisClientsEnd).toBe(report.redisClientsBefore);
      const sockets = (h: Record<string, number>) => h.TCPSocketWrap ?? 0;
      expect(sockets(report.handlesEnd)).toBeLessThanOrEqual(sockets(report.handlesWarm) + 4);
      expect(sockets(report.handlesAfterStop)).toBeLessThanOrEqual(sockets(report.handlesBefore));
      const total = (h: Record<string, number>) => Object.values(h).reduce((a, b) => a + b, 0);
      expect(total(report.handlesAfterStop)).toBeLessThanOrEqual(total(report.handlesBefore) + 2);
    },
    (SECONDS + 150) * 1000,
  );
});
