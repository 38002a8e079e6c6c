// The soak of test/soak/run-soak.ts, run longer: `npm run bench -- soak` (SOAK_SECONDS or --soak-seconds=N, default
// 300 s; a Redis restart about every minute). The figures say whether memory, handles and Redis connections stay flat
// and whether anything was lost, repeated or logged that should not have been.
import { runSoak } from "../test/soak/run-soak.ts";

export const DEFAULT_SOAK_SECONDS = 300;

function soakSeconds(): number {
  const flag = process.argv.find((a) => a.startsWith("--soak-seconds="))?.split("=")[1];
  const seconds = Number(flag ?? process.env.SOAK_SECONDS ?? DEFAULT_SOAK_SECONDS);
  if (!Number.isFinite(seconds) || seconds < 20) throw new Error(`soak seconds must be a number ≥ 20, got ${flag}`);
  return seconds;
}

/** Least-squares slope of evenly spaced samples, per minute (samples are one second apart). */
function slopePerMinute(samples: number[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const meanX = (n - 1) / 2;
  const meanY = samples.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of samples.entries()) {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  }
  return (num / den) * 60;
}

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

export async function benchSoak(): Promise<Record<string, number>> {
  const seconds = soakSeconds();
  const r = await runSoak({
    seconds,
    restarts: Math.max(2, Math.floor(seconds / 60)),
    progress: (line) => process.stdout.write(`${line}\n`),
  });
  for (const problem of [...r.deliveryProblems, ...r.badAnswers]) process.stdout.write(`soak: ${problem}\n`);
  for (const w of r.unexpected) process.stdout.write(`soak: unexpected log: ${w.msg}\n`);
  const sockets = (h: Record<string, number>) => h.TCPSocketWrap ?? 0;
  const total = (h: Record<string, number>) => Object.values(h).reduce((a, b) => a + b, 0);
  return {
    seconds,
    commands_answered: r.commandsAnswered,
    commands_per_second: round(r.commandsAnswered / seconds),
    commands_lost: r.commandsLost,
    bad_answers: r.badAnswers.length,
    pushes: r.pushes,
    pushes_rejected: r.pushesRejected,
    outbox_rows: r.outboxRows,
    reminder_slots: r.reminderSlots,
    delivery_problems: r.deliveryProblems.length,
    redis_restarts: r.restarts,
    recoveries: r.recoveries,
    warnings: r.warnings.length,
    console_errors: r.consoleErrors,
    unexpected_warnings: r.unexpected.length,
    heap_first_third_mb: round(r.heapFirstThirdMb),
    heap_last_third_mb: round(r.heapLastThirdMb),
    heap_slope_mb_per_min: round(slopePerMinute(r.heapSamplesMb), 2),
    tcp_sockets_warm: sockets(r.handlesWarm),
    tcp_sockets_end: sockets(r.handlesEnd),
    handles_left_after_stop: total(r.handlesAfterStop) - total(r.handlesBefore),
    redis_clients_before: r.redisClientsBefore,
    redis_clients_end: r.redisClientsEnd,
  };
}
