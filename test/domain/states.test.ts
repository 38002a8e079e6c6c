// The assignment lifecycle as data (domain/states.ts): which step is allowed from which state and role, what it leads
// to, when a repeat is harmless, and why a refusal is given. Dates are worked out by hand from the 2024 calendar.
import { describe, expect, it } from "vitest";
import type { AssignmentRole, AssignmentState } from "../../domain/labels.ts";
import { DEFAULT_POLICY } from "../../domain/policy.ts";
import {
  type Action,
  contactStage,
  decideAdjustment,
  decideExtension,
  decideFeedback,
  decidePublish,
  decideReply,
  decideStep,
  LIFECYCLE,
  type RefusalCode,
  refusalReason,
} from "../../domain/states.ts";

const STATES: AssignmentState[] = [
  "PENDING",
  "IN_PROGRESS",
  "OPINION_SENT",
  "REPLIED",
  "REHANDLING",
  "CLOSED",
  "WITHDRAWN",
];
const ROLES: AssignmentRole[] = ["LEAD", "SEPARATE", "JOINT", "ASSIST"];
const kind = (d: { kind: string; refusal?: { code: string } }) => (d.kind === "refuse" ? d.refusal?.code : d.kind);

describe("the table", () => {
  it("never lists a state as both 'allowed from' and 'already done'", () => {
    for (const rule of Object.values(LIFECYCLE)) {
      for (const s of rule.doneIn ?? []) expect(rule.from).not.toContain(s);
    }
  });

  it("签收: only from 待签收; any later state is a harmless repeat; 已调整 is refused", () => {
    const got = Object.fromEntries(STATES.map((s) => [s, kind(decideStep("sign", { role: "LEAD", state: s }))]));
    expect(got).toEqual({
      PENDING: "go",
      IN_PROGRESS: "repeat",
      OPINION_SENT: "repeat",
      REPLIED: "repeat",
      REHANDLING: "repeat",
      CLOSED: "repeat",
      WITHDRAWN: "WITHDRAWN",
    });
    expect(decideStep("sign", { role: "JOINT", state: "PENDING" })).toEqual({
      kind: "go",
      plan: { to: "IN_PROGRESS" },
    });
  });

  it("沟通: from 签收 on (回访 after 办结 too), never before 签收 or once moved away", () => {
    const got = STATES.map((s) => kind(decideStep("contact", { role: "LEAD", state: s })));
    expect(got).toEqual(["NOT_SIGNED", "go", "go", "go", "go", "go", "WITHDRAWN"]);
    expect(decideStep("contact", { role: "LEAD", state: "REPLIED" })).toEqual({ kind: "go", plan: { to: "REPLIED" } });
  });

  it("意见 only for 会办/协办, 答复/反馈/公开 only for 主办/分办, whatever the state", () => {
    const byRole = (action: Action) => ROLES.map((role) => kind(decideStep(action, { role, state: "IN_PROGRESS" })));
    expect(byRole("opinion")).toEqual(["ROLE_ANSWERS", "ROLE_ANSWERS", "go", "go"]);
    expect(byRole("reply")).toEqual(["go", "go", "ROLE_OPINES", "ROLE_OPINES"]);
    const refusal = decideStep("opinion", { role: "LEAD", state: "PENDING" });
    expect(refusal).toEqual({ kind: "refuse", refusal: { code: "ROLE_ANSWERS", next: "reply" } });
    const reply = decideReply(
      { role: "ASSIST", state: "IN_PROGRESS", replyClass: null },
      {
        replyClass: "A",
        policy: DEFAULT_POLICY,
        disclosure: "PUBLIC",
        today: "2024-03-15",
        lastRound: 0,
        followUpOpen: false,
      },
    );
    expect(kind(reply)).toBe("ROLE_OPINES");
  });
});

describe("答复", () => {
  const base = {
    policy: DEFAULT_POLICY,
    disclosure: "PUBLIC" as const,
    today: "2024-03-15",
    lastRound: 0,
    followUpOpen: false,
  };
  const lead = (state: AssignmentState, replyClass: string | null = null) => ({
    role: "LEAD" as const,
    state,
    replyClass,
  });

  it("round 1 of a 主动公开 case: published within 20 working days (清明 04-04..06 off, Sunday 04-07 worked)", () => {
    expect(decideReply(lead("IN_PROGRESS"), { ...base, replyClass: "A" })).toEqual({
      kind: "go",
      plan: { round: 1, to: "REPLIED", publishDeadline: "2024-04-15", followUpDeadline: null, resolvesFollowUp: false },
    });
    const onRequest = decideReply(lead("IN_PROGRESS"), { ...base, replyClass: "A", disclosure: "ON_REQUEST" });
    expect(onRequest.kind === "go" && onRequest.plan.publishDeadline).toBe(null);
  });

  it("B opens a follow-up due at year end; after 重新办理 the reply is the next round", () => {
    const b = decideReply(lead("IN_PROGRESS"), { ...base, replyClass: "B" });
    expect(b.kind === "go" && b.plan.followUpDeadline).toBe("2024-12-31");
    const second = decideReply(lead("REHANDLING", "C"), { ...base, replyClass: "C", lastRound: 1 });
    expect(second.kind === "go" && second.plan.round).toBe(2);
  });

  it("the same class again is a repeat; another class is a 续复 only while a B follow-up is open", () => {
    expect(kind(decideReply(lead("REPLIED", "A"), { ...base, replyClass: "A" }))).toBe("repeat");
    expect(kind(decideReply(lead("CLOSED", "A"), { ...base, replyClass: "A" }))).toBe("repeat");
    expect(decideReply(lead("REPLIED", "A"), { ...base, replyClass: "C" })).toEqual({
      kind: "refuse",
      refusal: { code: "REPLIED_OTHER_CLASS", detail: "A" },
    });
    const renewal = decideReply(lead("REPLIED", "B"), { ...base, replyClass: "A", lastRound: 1, followUpOpen: true });
    expect(renewal.kind === "go" && renewal.plan).toMatchObject({
      round: 2,
      resolvesFollowUp: true,
      followUpDeadline: null,
    });
  });

  it("refuses before 签收 (pointing to it), a class the session does not use, and a withdrawn assignment", () => {
    expect(decideReply(lead("PENDING"), { ...base, replyClass: "A" })).toEqual({
      kind: "refuse",
      refusal: { code: "NOT_SIGNED", next: "sign" },
    });
    expect(kind(decideReply(lead("IN_PROGRESS"), { ...base, replyClass: "D" }))).toBe("UNKNOWN_CLASS");
    const withD = { ...DEFAULT_POLICY, replyClasses: ["A", "B", "C", "D"] };
    expect(kind(decideReply(lead("IN_PROGRESS"), { ...base, policy: withD, replyClass: "D" }))).toBe("go");
    expect(kind(decideReply(lead("WITHDRAWN"), { ...base, replyClass: "A" }))).toBe("WITHDRAWN");
  });
});

describe("反馈", () => {
  const input = {
    policy: DEFAULT_POLICY,
    today: "2024-03-15",
    round: 1,
    recorded: null,
    followUpOpen: false,
    publishPending: false,
  };
  const replied = { role: "LEAD" as const, state: "REPLIED" as const };

  it("不满意 → 重新办理 due a month after the feedback; 满意 → 办结 today", () => {
    expect(decideFeedback(replied, { ...input, rating: "UNSATISFIED" })).toEqual({
      kind: "go",
      plan: { round: 1, to: "REHANDLING", rehandleDeadline: "2024-04-15", closedOn: null },
    });
    expect(decideFeedback(replied, { ...input, rating: "SATISFIED" })).toEqual({
      kind: "go",
      plan: { round: 1, to: "CLOSED", rehandleDeadline: null, closedOn: "2024-03-15" },
    });
  });

  it("a satisfied case stays 已答复 while a B follow-up or the 公开 is still owed", () => {
    const open = decideFeedback(replied, { ...input, rating: "BASICALLY_SATISFIED", followUpOpen: true });
    expect(open.kind === "go" && open.plan.to).toBe("REPLIED");
    const unpublished = decideFeedback(replied, { ...input, rating: "SATISFIED", publishPending: true });
    expect(unpublished.kind === "go" && unpublished.plan.to).toBe("REPLIED");
  });

  it("the same rating again is a repeat, another is refused; none before a reply", () => {
    expect(
      kind(decideFeedback({ ...replied, state: "CLOSED" }, { ...input, rating: "SATISFIED", recorded: "SATISFIED" })),
    ).toBe("repeat");
    expect(decideFeedback(replied, { ...input, rating: "SATISFIED", recorded: "UNSATISFIED" })).toEqual({
      kind: "refuse",
      refusal: { code: "FEEDBACK_RECORDED", detail: "不满意" },
    });
    const early = decideFeedback({ role: "LEAD", state: "IN_PROGRESS" }, { ...input, round: 0, rating: "SATISFIED" });
    expect(early).toEqual({ kind: "refuse", refusal: { code: "NOT_REPLIED", next: "reply" } });
  });
});

describe("公开", () => {
  const input = { disclosure: "PUBLIC" as const, satisfied: true, followUpOpen: false, today: "2024-03-20" };
  const replied = { role: "LEAD" as const, state: "REPLIED" as const, repliedOn: "2024-03-15", publishedOn: null };

  it("closes a satisfied case that owes nothing else; otherwise leaves its state", () => {
    expect(decidePublish(replied, input)).toEqual({ kind: "go", plan: { to: "CLOSED", closedOn: "2024-03-20" } });
    expect(decidePublish(replied, { ...input, satisfied: false })).toEqual({
      kind: "go",
      plan: { to: "REPLIED", closedOn: null },
    });
    expect(decidePublish(replied, { ...input, followUpOpen: true })).toEqual({
      kind: "go",
      plan: { to: "REPLIED", closedOn: null },
    });
  });

  it("never for 不予公开; a repeat once published; refused before the reply", () => {
    expect(kind(decidePublish(replied, { ...input, disclosure: "NOT_PUBLIC" }))).toBe("NOT_PUBLIC");
    expect(kind(decidePublish({ ...replied, publishedOn: "2024-03-18" }, input))).toBe("repeat");
    expect(kind(decidePublish({ ...replied, state: "IN_PROGRESS", repliedOn: null }, input))).toBe("NOT_REPLIED");
  });
});

describe("延期 and 调整 windows", () => {
  const lead = {
    role: "LEAD" as const,
    state: "IN_PROGRESS" as const,
    replyDeadline: "2024-06-11",
    opinionDeadline: null,
    extensionCap: "2024-09-11",
  };

  it("延期: on or before the deadline, later than it, not past the cap", () => {
    const ask = (requested: string, today = "2024-03-15") => decideExtension(lead, { requested, today });
    expect(ask("2024-08-31")).toEqual({ kind: "go", plan: { field: "replyDeadline", current: "2024-06-11" } });
    expect(kind(ask("2024-09-11", "2024-06-11"))).toBe("go"); // the cap itself, asked on the deadline day
    expect(ask("2024-09-12")).toEqual({ kind: "refuse", refusal: { code: "EXTENSION_PAST_CAP", date: "2024-09-11" } });
    expect(ask("2024-06-11")).toEqual({ kind: "refuse", refusal: { code: "EXTENSION_NOT_LATER", date: "2024-06-11" } });
    expect(ask("2024-08-31", "2024-06-12")).toEqual({
      kind: "refuse",
      refusal: { code: "EXTENSION_OVERDUE", date: "2024-06-11" },
    });
    expect(kind(decideExtension(lead, { requested: "2024-08-31", today: "2024-06-12", atApproval: true }))).toBe("go");
    expect(kind(decideExtension({ ...lead, state: "PENDING" }, { requested: "2024-08-31", today: "2024-03-15" }))).toBe(
      "NOT_SIGNED",
    );
  });

  it("延期 of a 会办 opinion is capped by the 主办's reply deadline", () => {
    const joint = {
      ...lead,
      role: "JOINT" as const,
      replyDeadline: null,
      extensionCap: null,
      opinionDeadline: "2024-04-11",
    };
    const ask = (requested: string) =>
      decideExtension(joint, { requested, today: "2024-03-15", opinionCap: "2024-06-11" });
    expect(ask("2024-05-10")).toEqual({ kind: "go", plan: { field: "opinionDeadline", current: "2024-04-11" } });
    expect(kind(ask("2024-06-12"))).toBe("EXTENSION_PAST_CAP");
  });

  it("调整: until the window's last day inclusive, only before the unit has answered", () => {
    const a = { role: "LEAD" as const, state: "PENDING" as const, adjustDeadline: "2024-03-18" };
    expect(kind(decideAdjustment(a, { today: "2024-03-18" }))).toBe("go");
    expect(decideAdjustment(a, { today: "2024-03-19" })).toEqual({
      kind: "refuse",
      refusal: { code: "ADJUST_WINDOW_CLOSED", date: "2024-03-18" },
    });
    expect(kind(decideAdjustment(a, { today: "2024-03-19", atApproval: true }))).toBe("go");
    expect(kind(decideAdjustment({ ...a, state: "REPLIED" }, { today: "2024-03-15" }))).toBe("REPLIED");
  });
});

describe("words", () => {
  it("infers 办前 / 办中 / 办后 for a contact", () => {
    expect(contactStage({ state: "IN_PROGRESS", repliedOn: null }, 0)).toBe("BEFORE");
    expect(contactStage({ state: "IN_PROGRESS", repliedOn: null }, 2)).toBe("DURING");
    expect(contactStage({ state: "REHANDLING", repliedOn: "2024-03-01" }, 0)).toBe("DURING");
    expect(contactStage({ state: "REPLIED", repliedOn: "2024-03-01" }, 3)).toBe("AFTER");
  });

  it("says why in Chinese, with the caller's date format", () => {
    const zh = (d: string) => `${Number(d.slice(5, 7))}月${Number(d.slice(8))}日`;
    expect(refusalReason({ code: "ADJUST_WINDOW_CLOSED", date: "2024-03-18" }, zh)).toBe("调整申请期限已于3月18日截止");
    expect(refusalReason({ code: "UNKNOWN_CLASS", detail: "A、B、C" }, zh)).toBe("答复类别只能是A、B、C");
    const codes: RefusalCode[] = ["NOT_SIGNED", "WITHDRAWN", "CLOSED", "OPINION_DONE", "NOT_REPLIED", "REHANDLING"];
    for (const code of codes) expect(refusalReason({ code }, zh)).toMatch(/^[\u4e00-\u9fff（），]+$/);
  });
});
