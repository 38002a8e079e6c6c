// A fingerprint of every table of the record, to show that an input changed nothing. InboundMessage is left out:
// taking each message once by its msgid is its job, so it grows with every message, valid or not.
import type { Db } from "../../db/client.ts";
import { adminQuery, type TestDatabase } from "../support/postgres.ts";

const LEFT_OUT = new Set(["InboundMessage", "_prisma_migrations"]);

export interface Snapshot {
  /** table → row count and md5 of its rows */
  tables: Map<string, string>;
  /** Assignment id → [unitId, row as text]: who an update touched. */
  assignments: Map<number, [number, string]>;
}

export async function recordTables(db: Db): Promise<string[]> {
  const rows = await db.$queryRaw<{ table_name: string }[]>`
    SELECT table_name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`;
  return rows.map((r) => r.table_name).filter((t) => !LEFT_OUT.has(t));
}

export function snapshotter(db: Db, tables: string[]) {
  const sql = tables
    .map(
      (t) =>
        `SELECT '${t}' AS t, count(*)::text || ':' || coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') AS h FROM "${t}" x`,
    )
    .join(" UNION ALL ");
  return async function take(): Promise<Snapshot> {
    const [hashes, assignments] = await Promise.all([
      db.$queryRawUnsafe<{ t: string; h: string }[]>(sql),
      db.$queryRawUnsafe<{ id: number; unitId: number; row: string }[]>(
        `SELECT a."id", a."unitId", a::text AS row FROM "Assignment" a`,
      ),
    ]);
    return {
      tables: new Map(hashes.map((r) => [r.t, r.h])),
      assignments: new Map(assignments.map((a) => [a.id, [a.unitId, a.row]])),
    };
  };
}

/** The tables whose rows differ, and the units of the assignments that changed (added, removed or updated). */
export function changes(before: Snapshot, after: Snapshot): { tables: string[]; assignmentUnits: number[] } {
  const tables = [...after.tables].filter(([t, h]) => before.tables.get(t) !== h).map(([t]) => t);
  const units = new Set<number>();
  for (const [id, [unitId, row]] of after.assignments) if (before.assignments.get(id)?.[1] !== row) units.add(unitId);
  for (const [id, [unitId]] of before.assignments) if (!after.assignments.has(id)) units.add(unitId);
  return { tables, assignmentUnits: [...units] };
}

/**
 * Commits without waiting for the disk, for this throw-away database only: the fuzz sends thousands of messages,
 * each a few commits, and durability is not what it tests. Call before the first query (new sessions take it).
 */
export async function fastCommits(database: TestDatabase): Promise<void> {
  await adminQuery(`ALTER DATABASE "${database.name}" SET synchronous_commit = off`);
}
