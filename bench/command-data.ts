// A large, realistic record for the command benchmark and the query-plan test, generated inside PostgreSQL with
// generate_series so 100,000 cases take seconds: five years of sessions (人大 and 政协, numbering restarting at 1 each
// session), units with a liaison and two handlers each (WeCom userids), a group bound to every unit, leaders and the
// office. Old sessions are almost all 办结; the current year has every state, overdue work included.
import pg from "pg";

export interface CommandDataSize {
  cases: number;
  /** Assignments per case (1 主办 and the rest 会办/协办); 5 gives 500,000 for 100,000 cases. */
  perCase: number;
  units: number;
}

export const FULL_SIZE: CommandDataSize = { cases: 100_000, perCase: 5, units: 300 };

/** "Today" for the generated record: its deadlines are laid out around this day. */
export const DATA_TODAY = "2026-11-23";
export const YEARS = [2022, 2023, 2024, 2025, 2026];
const ORDINAL = ["一", "二", "三", "四", "五"];

export const congressSession = (year: number) => `市十七届人大${ORDINAL[year - 2022]}次会议`;
export const cppccSession = (year: number) => `市政协五届${ORDINAL[year - 2022]}次会议`;
export const unitName = (i: number) => `市第${i}承办局`;
/** The WeCom userids of unit i's people: liaison, handler, handler. */
export const unitUserids = (i: number) => [`u${i}_liaison`, `u${i}_h1`, `u${i}_h2`];
export const unitChat = (i: number) => `chat_unit_${i}`;
export const LEADERS = ["leader_1", "leader_2", "leader_3", "leader_4", "leader_5"];
export const OFFICE = ["office_1", "office_2", "office_3"];
export const OFFICE_CHAT = "chat_office";

/** What the generator made, for the load generator to pick realistic questions from. */
export interface CommandData {
  size: CommandDataSize;
  sessions: string[];
  casesPerSession: number;
}

/** Fills an empty migrated database; returns in seconds for the full size on a 2-core machine. */
export async function generateCommandData(url: string, size: CommandDataSize = FULL_SIZE): Promise<CommandData> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const sessions = YEARS.flatMap((y) => [congressSession(y), cppccSession(y)]);
  const perSession = Math.ceil(size.cases / sessions.length);
  try {
    await client.query("BEGIN");
    await client.query(
      `INSERT INTO "Unit" ("name", "aliases", "isOffice", "updatedAt") VALUES ('市政府督查室', '{督查室}', true, now())`,
    );
    await client.query(
      `INSERT INTO "Unit" ("name", "aliases", "updatedAt")
       SELECT '市第' || i || '承办局', ARRAY[i || '局'], now() FROM generate_series(1, $1) i`,
      [size.units],
    );
    // Unit i has id i + 1 (the office is 1) in a fresh database; look it up rather than trust that.
    await client.query(`CREATE TEMP TABLE unit_no AS
      SELECT id, substring("name" from '市第(\\d+)承办局')::int AS no FROM "Unit" WHERE NOT "isOffice"`);
    await client.query(`INSERT INTO "Person" ("name", "userid", "unitId", "role", "updatedAt")
      SELECT '成员' || u.no || '-' || k, 'u' || u.no || (ARRAY['_liaison', '_h1', '_h2'])[k], u.id,
        (ARRAY['liaison', 'handler', 'handler'])[k]::"PersonRole", now()
      FROM unit_no u CROSS JOIN generate_series(1, 3) k`);
    await client.query(
      `INSERT INTO "Person" ("name", "userid", "unitId", "role", "updatedAt")
       SELECT '领导' || i, 'leader_' || i, NULL, 'leader', now() FROM generate_series(1, $1) i`,
      [LEADERS.length],
    );
    await client.query(
      `INSERT INTO "Person" ("name", "userid", "unitId", "role", "updatedAt")
       SELECT '督查员' || i, 'office_' || i, (SELECT id FROM "Unit" WHERE "isOffice"), 'admin', now()
       FROM generate_series(1, $1) i`,
      [OFFICE.length],
    );
    await client.query(`INSERT INTO "GroupChat" ("chatId", "name", "unitId", "updatedAt")
      SELECT 'chat_unit_' || no, '市第' || no || '承办局办理群', id, now() FROM unit_no`);
    await client.query(`INSERT INTO "GroupChat" ("chatId", "name", "isOffice", "updatedAt")
      VALUES ('${OFFICE_CHAT}', '督查室工作群', true, now())`);
    for (const year of YEARS) {
      await client.query(
        `INSERT INTO "Session" ("name", "body", "year", "updatedAt") VALUES ($1, 'CONGRESS', $3, now()), ($2, 'CPPCC', $3, now())`,
        [congressSession(year), cppccSession(year), year],
      );
    }

    // Cases: numbers 1..perSession in every session (提案 written with leading zeros, as 政协 does); 10% are 会后件
    // assigned later in the year; 3% 不予公开.
    await client.query(
      `INSERT INTO "Case" ("kind", "sessionId", "number", "title", "proposers", "isPriority", "isPostSession",
         "disclosure", "assignedOn", "updatedAt")
       SELECT CASE WHEN s."body" = 'CPPCC' THEN 'PROPOSAL' ELSE 'SUGGESTION' END::"CaseKind", s.id,
         CASE WHEN s."body" = 'CPPCC' THEN lpad(n::text, greatest(4, length(n::text)), '0') ELSE n::text END,
         '关于' || (ARRAY['招商引资','乡村振兴','城市更新','养老服务','义务教育','医疗卫生','生态环境','交通出行',
           '文化旅游','数字经济'])[1 + n % 10] || '的' || CASE WHEN s."body" = 'CPPCC' THEN '提案' ELSE '建议' END,
         ARRAY['代表' || n, '附议' || (n % 97)], n % 50 = 0, n % 10 = 9,
         CASE WHEN n % 33 = 0 THEN 'NOT_PUBLIC' WHEN n % 15 = 0 THEN 'ON_REQUEST' ELSE 'PUBLIC' END::"Disclosure",
         CASE WHEN n % 10 = 9 THEN make_date(s.year, 9, 1) + (n % 80) ELSE make_date(s.year, 3, 10) + (n % 10) END,
         now()
       FROM "Session" s CROSS JOIN generate_series(1, $1) n`,
      [perSession],
    );

    // Assignments: k = 1 is the 主办, then 会办 and 协办 alternately, each at a different unit. State by a hash of
    // (case, k): old sessions ~all 办结; the current year has pending, in-progress (some overdue), replied, 重新办理.
    await client.query(
      `CREATE TEMP TABLE plan AS
       SELECT c.id AS "caseId", c."assignedOn" AS on_, s.year, k, u.id AS "unitId",
         CASE WHEN k = 1 THEN 'LEAD' WHEN k % 2 = 0 THEN 'JOINT' ELSE 'ASSIST' END AS role,
         (abs(hashint4(c.id * 8 + k)::bigint) % 1000)::int AS r, c."isPostSession" AS late
       FROM "Case" c JOIN "Session" s ON s.id = c."sessionId" CROSS JOIN generate_series(1, $1) k
         JOIN unit_no u ON u.no = 1 + (abs(hashint4(c.id)::bigint) % $2 + k * 37) % $2`,
      [size.perCase, size.units],
    );
    await client.query(`CREATE TEMP TABLE handler_slot AS
      SELECT "unitId", id, (row_number() OVER (PARTITION BY "unitId" ORDER BY id) - 1)::int AS slot
      FROM "Person" WHERE "role" = 'handler'`);
    await client.query(`CREATE TEMP TABLE planned AS SELECT p.*,
        CASE
          WHEN p.year < 2026 OR (NOT p.late AND p.r < 800) THEN
            CASE WHEN p.r % 100 = 7 THEN 'WITHDRAWN' WHEN p.role = 'LEAD' THEN 'CLOSED' ELSE 'OPINION_SENT' END
          WHEN NOT p.late THEN
            CASE WHEN p.r < 830 THEN 'IN_PROGRESS' WHEN p.r < 840 THEN 'PENDING'
                 WHEN p.r < 870 AND p.role = 'LEAD' THEN 'REHANDLING'
                 WHEN p.role = 'LEAD' THEN 'REPLIED' ELSE 'OPINION_SENT' END
          -- 会后件: most 会办 opinions are sent once their month is up; a tenth are late.
          ELSE CASE WHEN p.r < 50 THEN 'PENDING'
                    WHEN p.role <> 'LEAD' AND (p.on_ + 30 < DATE '${DATA_TODAY}' OR p.r >= 850) AND p.r < 900
                      THEN 'OPINION_SENT'
                    WHEN p.r < 850 OR p.role <> 'LEAD' THEN 'IN_PROGRESS' ELSE 'REPLIED' END
        END AS state
      FROM plan p`);
    await client.query(`INSERT INTO "Assignment" ("caseId", "unitId", "role", "state", "handlerId", "signedAt",
        "signDeadline", "adjustDeadline", "opinionDeadline", "replyDeadline", "extensionCap", "rehandleDeadline",
        "publishDeadline", "replyClass", "opinionSentOn", "repliedOn", "publishedOn", "closedOn", "updatedAt")
      SELECT p."caseId", p."unitId", p.role::"AssignmentRole", p.state::"AssignmentState",
        CASE WHEN p.state NOT IN ('PENDING', 'WITHDRAWN') THEN h.id END,
        CASE WHEN p.state IN ('PENDING', 'WITHDRAWN') THEN NULL ELSE (p.on_ + 2)::timestamptz END,
        p.on_ + 5, p.on_ + 7,
        CASE WHEN p.role <> 'LEAD' THEN p.on_ + 30 END,
        CASE WHEN p.role = 'LEAD' THEN p.on_ + 91 END,
        CASE WHEN p.role = 'LEAD' THEN p.on_ + 182 END,
        CASE WHEN p.state = 'REHANDLING' THEN DATE '${DATA_TODAY}' - 20 + p.r % 40 END,
        CASE WHEN p.state IN ('REPLIED', 'CLOSED') THEN p.on_ + 110 END,
        CASE WHEN p.state IN ('REPLIED', 'CLOSED', 'REHANDLING') THEN (ARRAY['A','A','A','B','C'])[1 + p.r % 5] END,
        CASE WHEN p.state = 'OPINION_SENT' THEN LEAST(p.on_ + 20 + p.r % 15, DATE '${DATA_TODAY}') END,
        CASE WHEN p.state IN ('REPLIED', 'CLOSED', 'REHANDLING') THEN p.on_ + 60 + p.r % 40 END,
        CASE WHEN p.state = 'CLOSED' OR (p.state = 'REPLIED' AND p.r % 3 = 0) THEN p.on_ + 110 END,
        CASE WHEN p.state = 'CLOSED' THEN p.on_ + 120 END,
        now()
      FROM planned p JOIN handler_slot h ON h."unitId" = p."unitId" AND h.slot = p.r % 2
      ORDER BY p."caseId", p.k`);

    // Replies (round 1) and feedback on what was answered; contacts for most 主办; a few open requests.
    await client.query(`INSERT INTO "Reply" ("assignmentId", "round", "replyClass", "signedBy", "repliedOn", "isPublic")
      SELECT id, 1, "replyClass", '局长', "repliedOn", "publishedOn" IS NOT NULL FROM "Assignment"
      WHERE "repliedOn" IS NOT NULL`);
    await client.query(`INSERT INTO "Feedback" ("assignmentId", "round", "rating", "receivedOn")
      SELECT id, 1, CASE WHEN state = 'REHANDLING' THEN 'UNSATISFIED' WHEN "caseId" % 5 = 0 THEN 'BASICALLY_SATISFIED'
        ELSE 'SATISFIED' END::"Rating", "repliedOn" + 10
      FROM "Assignment" WHERE "repliedOn" IS NOT NULL AND (state <> 'REPLIED' OR id % 2 = 0)`);
    await client.query(`INSERT INTO "ContactLog" ("assignmentId", "stage", "form", "contactedOn")
      SELECT a.id, (ARRAY['BEFORE', 'DURING', 'AFTER'])[s]::"ContactStage",
        CASE WHEN (a.id + s) % 3 = 0 THEN 'FACE' ELSE 'PHONE' END::"ContactForm", c."assignedOn" + 10 * s
      FROM "Assignment" a JOIN "Case" c ON c.id = a."caseId" CROSS JOIN generate_series(1, 2) s
      WHERE a.role = 'LEAD' AND a.state NOT IN ('PENDING', 'WITHDRAWN')`);
    await client.query(`INSERT INTO "Request" ("type", "assignmentId", "reason", "requestedDeadline")
      SELECT 'EXTENSION', id, '情况复杂，需进一步调研', "replyDeadline" + 60 FROM "Assignment"
      WHERE state = 'IN_PROGRESS' AND role = 'LEAD' AND "caseId" % 20 = 0`);
    await client.query("COMMIT");
    // As a record in use would be: statistics current, visibility maps set (index-only scans), no bulk-load debris.
    await client.query("VACUUM ANALYZE");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    await client.end();
  }
  return { size, sessions, casesPerSession: perSession };
}
