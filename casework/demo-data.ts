// Demo data for `npm start` without WeCom credentials: the cases of demo-cases.ts staged relative to "today", so
// every command has something to show (deadlines past, near and far; every state). Only into an empty database,
// in one transaction. Deadlines come from the session's policy as everywhere else; every date is a function of
// `today` and a fixed seed, so the same day always gives the same data.
import type { Db, Prisma } from "../db/client.ts";
import { addCalendarDays, addMonths, type CalendarDate, addWorkingDays as wd } from "../domain/calendar.ts";
import { assignmentDeadlines, followUpDeadline, publishDeadline, rehandleDeadline } from "../domain/deadlines.ts";
import type { AssignmentRole, AssignmentState, ContactForm, ContactStage, Rating } from "../domain/labels.ts";
import { type DeadlinePolicy, resolvePolicy } from "../domain/policy.ts";
import type { DemoBatch, DemoCase, DemoStory } from "./demo-cases.ts";
import * as data from "./demo-cases.ts";

/** What was loaded; byState counts assignments per AssignmentState (all seven keys). */
export type DemoSummary = Record<"sessions" | "units" | "people" | "cases" | "assignments", number> & {
  byState: Record<string, number>;
};

/** Thrown when the database is not empty: demo records never mix with real ones. */
export class DemoDataRefusedError extends Error {}

const STATES = "PENDING IN_PROGRESS OPINION_SENT REPLIED REHANDLING CLOSED WITHDRAWN".split(" ") as AssignmentState[];
const MAIN_BATCHES: DemoBatch[] = ["province", "cppcc", "congress"]; // the others are 会后件 / 闭会期间
/** Reply class by story; the others answer A. */
const CLASS_OF: Partial<Record<DemoStory, string>> = {
  repliedB: "B",
  closedBA: "B",
  rehandlingDue: "B",
  repliedC: "C",
  rehandlingLate: "C",
};
const min = (a: CalendarDate, b: CalendarDate) => (a < b ? a : b);
const max = (a: CalendarDate, b: CalendarDate) => (a > b ? a : b);
const day = (d: CalendarDate) => new Date(`${d}T00:00:00Z`);
const at = (d: CalendarDate, hm: string) => new Date(`${d}T${hm}:00+08:00`);

/** When each batch was assigned; on working days, as 交办会 are. See DemoBatch for what each one shows. */
function batchDates(today: CalendarDate): Record<DemoBatch, CalendarDate> {
  const on = (d: CalendarDate) => wd(d, 0);
  return {
    province: on(addCalendarDays(addMonths(today, -4), -20)),
    cppcc: on(addCalendarDays(addMonths(today, -5), 5)),
    cppccLate: on(addCalendarDays(today, -30)),
    congress: on(addCalendarDays(addMonths(today, -3), -12)),
    congressLate: on(addCalendarDays(today, -24)),
    unsigned: wd(today, -8),
    askedBack: wd(today, -3),
    fresh: wd(today, -1),
  };
}

/** mulberry32: a tiny seeded generator, so the jitter is the same on every load. */
function seeded(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}

type Key = string; // an assignment: `${session}|${number}|${unit}`
interface Planned {
  key: Key;
  caseKey: string;
  unit: string;
  role: AssignmentRole;
  state: AssignmentState;
  replyClass?: string;
  signedOn?: CalendarDate;
  repliedOn?: CalendarDate; // the first reply: what 按期办结 measures
  /** Deadlines and dates, named as the Assignment columns. */
  dates: Record<string, CalendarDate | null | undefined>;
}
type Row<T> = Omit<T, "assignmentId"> & { key: Key };
type RequestRow = Row<Omit<Prisma.RequestCreateManyInput, "targetUnitId">> & { targetUnit?: string };

/** The whole demo as rows keyed by names (loadDemoData resolves the ids); pure, for a given `today`. */
export function planDemo(today: CalendarDate) {
  const next = seeded(20231109);
  const batches = batchDates(today);
  const policies = new Map(data.DEMO_SESSIONS.map((s) => [s.name, resolvePolicy(s.policy)]));
  const leaderOf = (unit: string) => data.DEMO_STAFF.find((s) => s.unit === unit && s.role === "leader");
  const assignments: Planned[] = [];
  const contacts: Row<Prisma.ContactLogCreateManyInput>[] = [];
  const replies: Row<Prisma.ReplyCreateManyInput>[] = [];
  const feedback: Row<Prisma.FeedbackCreateManyInput>[] = [];
  const requests: RequestRow[] = [];
  const followUps: Row<Prisma.FollowUpCreateManyInput>[] = [];
  const feedbackDue = wd(addCalendarDays(addMonths(today, -1), 5), 0); // 重新办理 due in about 5 days
  const feedbackLate = wd(addCalendarDays(addMonths(today, -1), -10), 0); // and overdue by about 10
  const lateReplies: Partial<Record<DemoStory, CalendarDate>> = {
    repliedLate: wd(today, -4),
    awaitingFeedback: wd(today, -3),
    rehandlingDue: wd(feedbackDue, -8),
    rehandlingLate: wd(feedbackLate, -8),
  };

  const contact = (key: Key, stage: ContactStage, on: CalendarDate, forms: ContactForm[], note: string) => {
    if (on <= today)
      contacts.push({ key, stage, form: forms[next(forms.length)] ?? "FACE", contactedOn: day(on), note });
  };
  const reply = (a: Planned, policy: DeadlinePolicy, round: number, cls: string, on: CalendarDate, pub: boolean) => {
    const published = pub && wd(on, 6) < today ? wd(on, 6) : null;
    const signedBy = leaderOf(a.unit)?.name ?? null;
    const publishedOn = published ? day(published) : null;
    replies.push({ key: a.key, round, replyClass: cls, signedBy, repliedOn: day(on), isPublic: pub, publishedOn });
    a.replyClass = cls;
    a.repliedOn ??= on;
    Object.assign(a.dates, { repliedOn: a.repliedOn, publishedOn: published });
    if (pub) a.dates.publishDeadline = publishDeadline(on, policy);
  };

  /** One 主办/分办 assignment through its story; the later steps only for the stories that reach them. */
  function answer(a: Planned, c: DemoCase, story: DemoStory, assignedOn: CalendarDate, signFrom = 1) {
    const policy = policies.get(c.session) as DeadlinePolicy;
    const pub = (c.disclosure ?? "PUBLIC") === "PUBLIC";
    const signedOn = min(wd(assignedOn, signFrom + next(2)), today);
    Object.assign(a, { signedOn, state: "IN_PROGRESS" });
    const before = wd(signedOn, 2);
    contact(a.key, "BEFORE", before, ["FACE", "FACE", "PHONE"], "办前联系，了解提出人意图和诉求");
    const deadline = a.dates.replyDeadline as CalendarDate;
    if (story === "working" || story === "extensionAsked") {
      if (wd(before, 12) < today) contact(a.key, "DURING", wd(before, 12), ["MEETING", "VISIT", "PHONE"], "通报进展");
      if (story !== "extensionAsked") return;
      const reason = "涉及多部门政策衔接和资金测算，需进一步调研论证，申请延期答复";
      const requestedDeadline = day(min(addMonths(deadline, 1), a.dates.extensionCap ?? deadline));
      requests.push({
        key: a.key,
        type: "EXTENSION",
        reason,
        requestedDeadline,
        requestedAt: at(wd(today, -1), "10:00"),
      });
      return;
    }
    // Replied about two months after 交办, before the deadline, leaving room for feedback; or at the story's date.
    const usual = min(min(wd(assignedOn, 38 + next(9)), wd(deadline, -2)), wd(today, -15));
    const repliedOn = lateReplies[story] ?? max(wd(signedOn, 10), usual);
    const cls = CLASS_OF[story];
    contact(a.key, "DURING", min(wd(before, 8), repliedOn), ["MEETING", "VISIT", "FACE"], "共商解决办法");
    reply(a, policy, 1, cls ?? "A", repliedOn, pub);
    contact(a.key, "AFTER", wd(repliedOn, 2), ["FACE", "PHONE", "WRITTEN"], "征询对答复的意见");
    a.state = "REPLIED";
    if (story === "repliedLate" || story === "awaitingFeedback") return;

    const rehandle = story === "rehandlingDue" || story === "rehandlingLate";
    const fbOn = rehandle ? (story === "rehandlingDue" ? feedbackDue : feedbackLate) : min(wd(repliedOn, 8), today);
    const rating: Rating = rehandle ? "UNSATISFIED" : cls ? "BASICALLY_SATISFIED" : "SATISFIED";
    const note = rehandle ? "答复未回应具体诉求，希望再次面商" : null;
    feedback.push({ key: a.key, round: 1, rating, receivedOn: day(fbOn), note });
    if (rehandle) {
      a.state = "REHANDLING";
      a.dates.rehandleDeadline = rehandleDeadline(fbOn, policy);
      contact(a.key, "DURING", wd(fbOn, 3), ["FACE"], "重新办理，再次上门面商");
    } else if (cls === "B") {
      const due = followUpDeadline(repliedOn, policy);
      a.dates.followUpDeadline = due;
      if (story === "repliedB") {
        followUps.push({ key: a.key, dueOn: day(due), status: "OPEN", note: "列入计划解决，跟踪续办" });
        return;
      }
      const solved = max(wd(today, -15), wd(fbOn, 5)); // 续办续复: B → A, then closed
      const status = "RESOLVED";
      followUps.push({ key: a.key, dueOn: day(due), status, resolvedOn: day(solved), note: "已解决，续复为A类" });
      reply(a, policy, 2, "A", solved, pub);
      const fb2 = min(wd(solved, 5), today);
      feedback.push({ key: a.key, round: 2, rating: "SATISFIED", receivedOn: day(fb2) });
      a.state = "CLOSED";
      a.dates.closedOn = min(wd(fb2, 2), today);
    } else if (story === "closed") {
      a.state = "CLOSED";
      a.dates.closedOn = min(wd(fbOn, 3), today);
    } else if (!pub || a.dates.publishedOn) {
      // Satisfied and nothing owed (a 主动公开 reply already published): closed, as 反馈/公开 would have left it.
      a.state = "CLOSED";
      a.dates.closedOn = min(max(fbOn, a.dates.publishedOn ?? fbOn), today);
    }
  }

  const cases = [...data.REAL_CASES, ...data.GENERATED_CASES].map((c) => {
    const policy = policies.get(c.session) as DeadlinePolicy;
    const assignedOn = batches[c.batch];
    const caseKey = `${c.session}|${c.number}`;
    const plan = (unit: string, role: AssignmentRole): Planned => {
      if (!leaderOf(unit)) throw new Error(`demo case ${c.number}: unknown unit ${unit}`);
      const dates = { ...assignmentDeadlines(assignedOn, role, policy) };
      assignments.push({ key: `${caseKey}|${unit}`, caseKey, unit, role, state: "PENDING", dates });
      return assignments.at(-1) as Planned;
    };
    const waiting = c.story === "new" || c.story === "unsigned" || c.story === "adjustAsked";
    let leadReplied: CalendarDate | undefined;
    for (const duty of c.duties) {
      const a = plan(duty.unit, duty.role);
      const story = duty.story ?? c.story;
      if (duty.role === "LEAD" || duty.role === "SEPARATE") {
        if (story === "adjustAsked" || story === "withdrawn") {
          const reason = `该件所提事项属${c.moveTo}职责范围，申请调整由其主办`;
          const request: RequestRow = { key: a.key, type: "ADJUSTMENT", reason, targetUnit: c.moveTo };
          requests.push(Object.assign(request, { requestedAt: at(wd(assignedOn, 2), "10:00") }));
          if (story === "withdrawn") {
            const decisionNote = `同意调整，改由${c.moveTo}主办`;
            Object.assign(request, { status: "APPROVED", decidedAt: at(wd(assignedOn, 3), "15:00"), decisionNote });
            a.state = "WITHDRAWN";
            answer(plan(c.moveTo as string, duty.role), c, "working", assignedOn, 4); // the new unit takes it over
          }
        } else if (!waiting) answer(a, c, story, assignedOn);
        leadReplied ??= a.repliedOn;
        continue;
      }
      if (waiting) continue; // 会办/协办 units wait with their 主办
      const signedOn = min(wd(assignedOn, 1 + next(3)), today);
      Object.assign(a, { signedOn, state: "IN_PROGRESS" });
      const opinionDeadline = a.dates.opinionDeadline as CalendarDate;
      if (duty.story !== "working" && (opinionDeadline < today || leadReplied)) {
        // Sent a little before its deadline, and before the 主办 replied.
        const latest = min(wd(today, -1), leadReplied ? wd(leadReplied, -3) : today);
        a.state = "OPINION_SENT";
        a.dates.opinionSentOn = max(min(wd(opinionDeadline, -2 - next(5)), latest), wd(signedOn, 1));
      }
    }
    const kind = data.DEMO_SESSIONS.find((s) => s.name === c.session)?.body === "CPPCC" ? "PROPOSAL" : "SUGGESTION";
    return { c, caseKey, assignedOn, kind } as const;
  });
  return { today, cases, assignments, contacts, replies, feedback, requests, followUps };
}

/** Fills an empty database with the demo, in one transaction; throws DemoDataRefusedError if it is not empty. */
export async function loadDemoData(db: Db, options: { today: CalendarDate }): Promise<DemoSummary> {
  const plan = planDemo(options.today);
  return db.$transaction(
    async (tx) => {
      const counts = await Promise.all([tx.case.count(), tx.unit.count(), tx.person.count(), tx.session.count()]);
      if (counts.some((n) => n > 0)) {
        const [cases, units, people] = counts;
        throw new DemoDataRefusedError(
          `数据库不是空的（已有${cases}件建议提案、${units}个单位、${people}名人员），不载入演示数据 ` +
            "(demo data is only loaded into an empty database)",
        );
      }
      // Ids are looked up by natural keys, never by the order rows come back in.
      const firstAssigned = (session: string) => plan.cases.find((p) => p.c.session === session)?.assignedOn ?? "";
      const sessions = await tx.session.createManyAndReturn({
        data: data.DEMO_SESSIONS.map((s) => ({
          ...s,
          policy: s.policy as Prisma.InputJsonObject,
          year: Number(firstAssigned(s.name).slice(0, 4)),
        })),
      });
      const units = await tx.unit.createManyAndReturn({
        data: [{ ...data.DEMO_OFFICE, isOffice: true }, ...data.DEMO_UNITS],
      });
      const unitId = (name: string) => units.find((u) => u.name === name)?.id as number;
      const people = await tx.person.createManyAndReturn({
        data: data.DEMO_STAFF.map(({ unit, ...s }) => ({ ...s, unitId: unitId(unit) })),
      });
      /** The unit's first person with that role. */
      const person = (unit: string, role: string) => {
        const userid = data.DEMO_STAFF.find((s) => s.unit === unit && s.role === role)?.userid;
        return people.find((p) => p.userid === userid)?.id as number;
      };
      const admin = person(data.DEMO_OFFICE.name, "admin");
      const farm = unitId("市农业农村局");
      await tx.groupChat.createMany({
        data: [
          { chatId: "demo-office-group", name: "建议提案办理工作群", isOffice: true, boundById: admin },
          { chatId: "demo-unit-group", name: "市农业农村局建议提案办理群", unitId: farm, boundById: admin },
        ],
      });

      const sessionId = (name: string) => sessions.find((s) => s.name === name)?.id as number;
      const cases = await tx.case.createManyAndReturn({
        data: plan.cases.map(({ c, assignedOn, kind }) => ({
          ...{ kind, number: c.number, title: c.title, category: c.category, proposers: c.proposers },
          sessionId: sessionId(c.session),
          summary: c.summary ?? null,
          isPriority: c.priority ?? false,
          leadingLeaderId: c.priority ? person(c.duties[0]?.unit ?? "", "leader") : null,
          isPostSession: !MAIN_BATCHES.includes(c.batch),
          disclosure: c.disclosure ?? "PUBLIC",
          assignedOn: day(assignedOn),
        })),
        select: { id: true, sessionId: true, number: true },
      });
      const caseIds = new Map(
        cases.map((c) => [`${sessions.find((s) => s.id === c.sessionId)?.name}|${c.number}`, c.id]),
      );
      const assignments = await tx.assignment.createManyAndReturn({
        data: plan.assignments.map((a) => ({
          ...Object.fromEntries(Object.entries(a.dates).flatMap(([k, v]) => (v ? [[k, day(v)]] : []))),
          ...{ role: a.role, state: a.state, replyClass: a.replyClass ?? null },
          caseId: caseIds.get(a.caseKey) as number,
          unitId: unitId(a.unit),
          handlerId: a.signedOn ? person(a.unit, "handler") : null,
          signedAt: a.signedOn ? at(a.signedOn, "09:30") : null,
          signDeadline: day(a.dates.signDeadline as CalendarDate),
          adjustDeadline: day(a.dates.adjustDeadline as CalendarDate),
        })),
        select: { id: true, caseId: true, unitId: true },
      });
      const planned = new Map(plan.assignments.map((a) => [a.key, a]));
      const unitOf = (key: Key) => (planned.get(key) as Planned).unit;
      const assignmentId = (key: Key) => {
        const a = planned.get(key) as Planned;
        const caseId = caseIds.get(a.caseKey);
        return assignments.find((r) => r.caseId === caseId && r.unitId === unitId(a.unit))?.id as number;
      };
      const linked = <T extends { key: Key }>(rows: T[]) =>
        rows.map(({ key, ...r }) => ({ ...r, assignmentId: assignmentId(key) }));

      await tx.contactLog.createMany({
        data: plan.contacts.map(({ key, ...c }) => ({
          ...c,
          assignmentId: assignmentId(key),
          loggedById: person(unitOf(key), "handler"),
        })),
      });
      await tx.reply.createMany({ data: linked(plan.replies) });
      await tx.feedback.createMany({ data: linked(plan.feedback) });
      await tx.followUp.createMany({ data: linked(plan.followUps) });
      await tx.request.createMany({
        data: plan.requests.map(({ key, targetUnit, ...r }) => ({
          ...r,
          assignmentId: assignmentId(key),
          targetUnitId: targetUnit ? unitId(targetUnit) : null,
          requestedById: person(unitOf(key), "liaison"),
          decidedById: r.decidedAt ? admin : null,
        })),
      });

      const byState = Object.fromEntries(STATES.map((s) => [s, plan.assignments.filter((a) => a.state === s).length]));
      const summary: DemoSummary = {
        ...{ sessions: sessions.length, units: units.length, people: people.length },
        ...{ cases: cases.length, assignments: assignments.length, byState },
      };
      await tx.event.createMany({
        data: [
          ...cases.map((c) => ({ caseId: c.id, after: { session: c.sessionId, number: c.number } })),
          { after: { today: plan.today, ...summary } },
        ].map((e) => ({ actorLabel: "demo", action: "demo.loaded", ...e })),
      });
      return summary;
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
}
