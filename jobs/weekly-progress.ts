// The weekly digest for leaders: on the first working day of each week, inside office hours, the office's group gets
// the figures 进度 gives (the same command, so the numbers can never disagree). It is written to the Outbox with a
// per-week dedupeKey, so it is queued once however many ticks and instances run, and sent (and retried) like any notice.
import type { CommandContext } from "../commands/command.ts";
import { progressCommand } from "../commands/progress.ts";
import { addCalendarDays, type CalendarDate, isoWeekday } from "../domain/calendar.ts";
import type { JobContext } from "./context.ts";

/** Which week a digest belongs to: its Monday. */
export function weekOf(today: CalendarDate): CalendarDate {
  return addCalendarDays(today, 1 - isoWeekday(today));
}

export const WEEKLY_PROGRESS_KIND = "DIGEST";

/** Queues this week's progress digest unless it already is. True when queued now. */
export async function queueWeeklyProgress(ctx: JobContext, today: CalendarDate): Promise<boolean> {
  const dedupeKey = `weekly-progress:${weekOf(today)}`;
  if (await ctx.db.outbox.findUnique({ where: { dedupeKey }, select: { id: true } })) return false;
  if ((await ctx.db.assignment.count({ where: { state: { not: "WITHDRAWN" } } })) === 0) return false;
  const office = await ctx.db.unit.findFirst({ where: { isOffice: true }, orderBy: { id: "asc" } });
  const now = new Date(ctx.clock.now());
  // 进度 as a leader would ask it in the office's group: all sessions, all units.
  const asked: CommandContext = {
    db: ctx.db,
    message: { msgid: dedupeKey, transport: "console", chatType: "group", chatId: null, userid: "", text: "进度" },
    args: "",
    member: {
      id: 0,
      name: "督办助手",
      userid: null,
      unitId: office?.id ?? null,
      role: "leader",
      mobile: null,
      active: true,
      createdAt: now,
      updatedAt: now,
      unit: office,
    },
    chat: null,
    today,
  };
  const markdown = await progressCommand.run(asked);
  const created = await ctx.db.outbox.createMany({
    data: [
      {
        kind: WEEKLY_PROGRESS_KIND,
        dedupeKey,
        unitId: office?.id ?? null,
        payload: { title: "【每周进度】", markdown },
        availableAt: now,
      },
    ],
    skipDuplicates: true,
  });
  return created.count === 1;
}
