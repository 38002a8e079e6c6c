// A small, exact record for the query commands (查 我的 单位 临期 逾期): every date chosen so the expected
// 剩N个工作日 / 逾期N天 can be worked out by hand, around the 2024 清明 holiday (04-04..06 off, Sunday 04-07 worked).
import type { Db, Prisma } from "../../db/client.ts";

const day = (d: string) => new Date(`${d}T00:00:00Z`);
const signed = new Date("2024-02-22T09:00:00+08:00");

export const CPPCC = "市政协五届二次会议";
export const CPPCC_2023 = "市政协五届一次会议";
export const CONGRESS = "市五届人大二次会议";

export interface QueryFixture {
  units: { office: number; fgw: number; edu: number; civil: number };
  /** Extra overdue 签收 duties: 教育局 15 (02-20…03-05), 民政局 10 (03-01…03-10). */
  extraOverdue: { edu: number; civil: number };
}

export async function buildQueryFixture(db: Db): Promise<QueryFixture> {
  const office = await db.unit.create({ data: { name: "市政府督查室", isOffice: true, aliases: ["督查室"] } });
  const fgw = await db.unit.create({ data: { name: "市发展和改革委员会", aliases: ["市发改委", "发改委"] } });
  const edu = await db.unit.create({ data: { name: "市教育局", aliases: ["教育局"] } });
  const civil = await db.unit.create({ data: { name: "市民政局", aliases: ["民政局"] } });

  const person = (
    name: string,
    userid: string,
    role: "admin" | "leader" | "liaison" | "handler",
    unitId: number | null,
  ) => db.person.create({ data: { name, userid, role, unitId } });
  await person("张伟", "zhangwei", "admin", office.id);
  await person("李杰", "lijie", "leader", null);
  await person("李明", "fgw_li", "liaison", fgw.id);
  const handler = await person("王芳", "fgw_wang", "handler", fgw.id);
  await person("赵强", "edu_zhao", "liaison", edu.id);
  await person("孙丽", "civil_sun", "liaison", civil.id);
  await person("周洁", "nounit", "handler", null);

  await db.groupChat.create({ data: { chatId: "chat-fgw", unitId: fgw.id } });
  await db.groupChat.create({ data: { chatId: "chat-edu", unitId: edu.id } });
  await db.groupChat.create({ data: { chatId: "chat-office", isOffice: true } });

  const cppcc = await db.session.create({ data: { name: CPPCC, body: "CPPCC", year: 2024 } });
  const cppcc2023 = await db.session.create({ data: { name: CPPCC_2023, body: "CPPCC", year: 2023 } });
  const congress = await db.session.create({ data: { name: CONGRESS, body: "CONGRESS", year: 2024 } });

  const base = { signDeadline: day("2024-02-23"), adjustDeadline: day("2024-02-27") };
  const lead = (deadline: string) => ({ ...base, role: "LEAD" as const, replyDeadline: day(deadline) });
  const joint = (deadline: string) => ({ ...base, role: "JOINT" as const, opinionDeadline: day(deadline) });
  const working = { state: "IN_PROGRESS" as const, signedAt: signed, handlerId: handler.id };
  const addCase = (
    data: Omit<Prisma.CaseUncheckedCreateInput, "assignedOn"> & { assignedOn?: Date },
    assignments: Omit<Prisma.AssignmentUncheckedCreateInput, "caseId">[],
  ) =>
    db.case.create({
      data: {
        assignedOn: day("2024-02-20"),
        ...data,
        assignments: { create: assignments },
      },
    });

  // 提案205 exists in two sessions: a bare 205 is ambiguous.
  const c205 = await addCase(
    {
      kind: "PROPOSAL",
      sessionId: cppcc.id,
      number: "205",
      title: "关于推动我市招商引资工作高质量发展的提案",
      proposers: ["刘定东", "陈红"],
      isPriority: true,
    },
    [
      { unitId: fgw.id, ...lead("2024-05-20"), ...working },
      {
        unitId: edu.id,
        ...joint("2024-03-20"),
        state: "OPINION_SENT",
        signedAt: signed,
        opinionSentOn: day("2024-03-10"),
      },
    ],
  );
  const [fgwOn205] = await db.assignment.findMany({ where: { caseId: c205.id, unitId: fgw.id } });
  for (const form of ["FACE", "PHONE", "FACE"] as const) {
    await db.contactLog.create({
      data: {
        assignmentId: fgwOn205?.id ?? 0,
        stage: "BEFORE",
        form,
        contactedOn: day("2024-03-01"),
        note: "<@all> 已沟通",
      },
    });
  }
  await addCase(
    {
      kind: "PROPOSAL",
      sessionId: cppcc2023.id,
      number: "205",
      title: "关于加快老旧小区改造的提案",
      assignedOn: day("2023-03-01"),
    },
    [
      {
        unitId: civil.id,
        ...lead("2023-06-01"),
        state: "CLOSED",
        signedAt: signed,
        repliedOn: day("2023-05-20"),
        replyClass: "A",
        closedOn: day("2023-06-10"),
      },
    ],
  );
  await addCase({ kind: "SUGGESTION", sessionId: congress.id, number: "0484", title: "关于招商引资工作的建议" }, [
    { unitId: fgw.id, ...lead("2024-05-20"), signDeadline: day("2024-03-20") },
  ]);
  // 不予公开: its unit may see it (not in an unbound group); other units may not know it exists.
  await addCase(
    {
      kind: "SUGGESTION",
      sessionId: congress.id,
      number: "0099",
      title: "关于某保密事项的建议",
      disclosure: "NOT_PUBLIC",
    },
    [{ unitId: fgw.id, ...lead("2024-03-12"), ...working }],
  );
  await addCase({ kind: "SUGGESTION", sessionId: congress.id, number: "0210", title: "关于优化营商环境的建议" }, [
    {
      unitId: fgw.id,
      ...lead("2024-03-01"),
      ...working,
      state: "REHANDLING",
      repliedOn: day("2024-02-28"),
      replyClass: "C",
      rehandleDeadline: day("2024-04-08"),
    },
  ]);
  await addCase({ kind: "PROPOSAL", sessionId: cppcc.id, number: "118", title: "关于发展数字经济的提案" }, [
    { unitId: fgw.id, ...joint("2024-04-03"), ...working },
  ]);
  // Replied 主动公开 but not yet published: owes 公开.
  await addCase({ kind: "SUGGESTION", sessionId: congress.id, number: "0300", title: "关于降低企业用能成本的建议" }, [
    {
      unitId: fgw.id,
      ...lead("2024-05-20"),
      ...working,
      state: "REPLIED",
      repliedOn: day("2024-03-01"),
      replyClass: "A",
      publishDeadline: day("2024-03-29"),
    },
  ]);
  await addCase({ kind: "SUGGESTION", sessionId: congress.id, number: "0301", title: "关于完善价格监测的建议" }, [
    {
      unitId: fgw.id,
      ...lead("2024-05-20"),
      ...working,
      state: "CLOSED",
      repliedOn: day("2024-03-01"),
      replyClass: "A",
      closedOn: day("2024-03-05"),
    },
  ]);
  // 临期: due today and in 6 working days (民政局).
  await addCase({ kind: "SUGGESTION", sessionId: congress.id, number: "0500", title: "关于完善社区养老服务的建议" }, [
    { unitId: civil.id, ...lead("2024-05-20"), signDeadline: day("2024-03-15") },
  ]);
  await addCase({ kind: "SUGGESTION", sessionId: congress.id, number: "0501", title: "关于加强殡葬服务管理的建议" }, [
    { unitId: civil.id, ...lead("2024-05-20"), signDeadline: day("2024-03-25") },
  ]);

  // Enough overdue 签收 to need two pages of 逾期.
  const extra = async (unitId: number, count: number, first: number, from: string, prefix: string) => {
    for (let i = 0; i < count; i++) {
      const due = new Date(day(from).getTime() + i * 86_400_000);
      await addCase(
        {
          kind: "SUGGESTION",
          sessionId: congress.id,
          number: String(first + i),
          title: `关于${prefix}第${i + 1}项工作的建议`,
        },
        [{ unitId, ...lead("2024-05-20"), signDeadline: due }],
      );
    }
  };
  await extra(edu.id, 15, 700, "2024-02-20", "教育");
  await extra(civil.id, 10, 800, "2024-03-01", "民政");

  return {
    units: { office: office.id, fgw: fgw.id, edu: edu.id, civil: civil.id },
    extraOverdue: { edu: 15, civil: 10 },
  };
}
