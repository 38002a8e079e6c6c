// db/migrate.ts against real PostgreSQL: it must behave like `prisma migrate deploy` (same bookkeeping, same lock),
// never leave a half-applied migration behind, and the rules the migration puts in the database must hold.
import { createHash } from "node:crypto";
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, MIGRATIONS_DIR, MigrationError, readMigrations } from "../../db/migrate.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";

const PRISMA_LOCK_ID = 72707369;
let names: string[];
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  names = (await readMigrations()).map((m) => m.name);
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function emptyDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase({ migrated: false });
  cleanups.push(() => database.drop());
  return database;
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  cleanups.push(() => client.end());
  return client;
}

/** A copy of the committed migrations that a test may add to or edit. */
async function migrationsCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "casebot-migrations-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

async function addMigration(dir: string, name: string, sql: string): Promise<void> {
  await mkdir(join(dir, name), { recursive: true });
  await writeFile(join(dir, name, "migration.sql"), sql);
}

async function recorded(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query(`SELECT "migration_name" FROM "_prisma_migrations" ORDER BY "migration_name"`);
  return rows.map((r) => r.migration_name);
}

const tableExists = async (client: pg.Client, table: string) =>
  (await client.query("SELECT to_regclass($1) AS t", [`"${table}"`])).rows[0].t !== null;

describe("applyMigrations", () => {
  it("applies every migration once; a second run applies nothing", async () => {
    const { url } = await emptyDatabase();
    expect(await applyMigrations(url)).toEqual(names);
    expect(await applyMigrations(url)).toEqual([]);
    expect(await recorded(await connect(url))).toEqual(names);
  });

  it("lets two runs started at once take turns under Prisma's advisory lock", async () => {
    const { url } = await emptyDatabase();
    // Hold the lock so that both runs are certainly waiting on it together, then let them go.
    const holder = await connect(url);
    await holder.query("SELECT pg_advisory_lock($1)", [PRISMA_LOCK_ID]);
    const runs = Promise.all([applyMigrations(url), applyMigrations(url)]);
    const waiting = async () => {
      const { rows } = await holder.query(
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = $1
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [PRISMA_LOCK_ID],
      );
      return rows[0].n as number;
    };
    const deadline = Date.now() + 10_000;
    while ((await waiting()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await waiting()).toBe(2);
    await holder.query("SELECT pg_advisory_unlock($1)", [PRISMA_LOCK_ID]);
    const [first, second] = await runs;
    expect([first, second].sort((a, b) => a.length - b.length)).toEqual([[], names]);
    expect(await recorded(holder)).toEqual(names);
  });

  it("rolls a failing migration back completely and names it", async () => {
    const { url } = await emptyDatabase();
    const dir = await migrationsCopy();
    const broken = "29991231000000_broken";
    await addMigration(dir, broken, `CREATE TABLE "Broken" ("id" INTEGER);\nINSERT INTO "NoSuchTable" VALUES (1);\n`);
    const failure = await applyMigrations(url, dir).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MigrationError);
    expect((failure as Error).message).toContain(broken);
    expect((failure as Error).message).toContain("NoSuchTable");

    const client = await connect(url);
    expect(await tableExists(client, "Broken")).toBe(false);
    expect(await recorded(client)).toEqual(names); // the good ones before it stay applied
    // Nothing half-done blocks the next run: once fixed, it applies.
    await addMigration(dir, broken, `CREATE TABLE "Broken" ("id" INTEGER);\n`);
    expect(await applyMigrations(url, dir)).toEqual([broken]);
    expect(await tableExists(client, "Broken")).toBe(true);
  });

  it("refuses to go on when an applied migration was edited", async () => {
    const { url } = await emptyDatabase();
    const dir = await migrationsCopy();
    await applyMigrations(url, dir);
    const first = names[0] as string;
    await appendFile(join(dir, first, "migration.sql"), "\n-- edited after it was applied\n");
    await addMigration(dir, "29991231000000_later", `CREATE TABLE "Later" ("id" INTEGER);\n`);
    const failure = await applyMigrations(url, dir).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MigrationError);
    expect((failure as Error).message).toMatch(new RegExp(`${first}.*checksum`));
    const client = await connect(url);
    expect(await tableExists(client, "Later")).toBe(false);
    expect(await recorded(client)).toEqual(names);
  });

  it("records migrations in the shape `prisma migrate deploy` writes and reads", async () => {
    const { url } = await emptyDatabase();
    await applyMigrations(url);
    const client = await connect(url);
    const { rows: columns } = await client.query(
      `SELECT column_name, data_type, character_maximum_length AS length, is_nullable, column_default
       FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns.map((c) => [c.column_name, c.data_type, c.length, c.is_nullable, c.column_default])).toEqual([
      ["id", "character varying", 36, "NO", null],
      ["checksum", "character varying", 64, "NO", null],
      ["finished_at", "timestamp with time zone", null, "YES", null],
      ["migration_name", "character varying", 255, "NO", null],
      ["logs", "text", null, "YES", null],
      ["rolled_back_at", "timestamp with time zone", null, "YES", null],
      ["started_at", "timestamp with time zone", null, "NO", "now()"],
      ["applied_steps_count", "integer", null, "NO", "0"],
    ]);
    const { rows } = await client.query(`SELECT * FROM "_prisma_migrations" ORDER BY "migration_name"`);
    expect(rows).toHaveLength(names.length);
    for (const [i, row] of rows.entries()) {
      const name = names[i] as string;
      const file = await readFile(join(MIGRATIONS_DIR, name, "migration.sql"));
      expect(row.migration_name).toBe(name);
      expect(row.checksum).toBe(createHash("sha256").update(file).digest("hex"));
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.started_at.getTime()).toBeLessThanOrEqual(row.finished_at.getTime());
      expect(row.applied_steps_count).toBe(1);
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
    }
  });
});

describe("rules the database keeps", () => {
  let database: TestDatabase;
  let client: pg.Client;
  let caseId: number;
  let unitId: number;

  beforeAll(async () => {
    database = await createTestDatabase();
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const session = await client.query(
      `INSERT INTO "Session" ("name", "body", "year", "updatedAt") VALUES ('市政协五届二次会议', 'CPPCC', 2024, now())
       RETURNING "id"`,
    );
    const unit = await client.query(
      `INSERT INTO "Unit" ("name", "updatedAt") VALUES ('市发展改革委', now()) RETURNING "id"`,
    );
    unitId = unit.rows[0].id;
    caseId = (await insertCase("PROPOSAL", session.rows[0].id, "0205")).rows[0].id;
  });
  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  function insertCase(kind: string, sessionId: number, number: string) {
    return client.query(
      `INSERT INTO "Case" ("kind", "sessionId", "number", "title", "assignedOn", "updatedAt")
       VALUES ($1, $2, $3, '关于推动我市招商引资工作高质量发展的提案', '2024-03-01', now()) RETURNING "id", "sessionId"`,
      [kind, sessionId, number],
    );
  }

  it("refuses a second case with the same kind, session and number", async () => {
    const { rows } = await client.query(`SELECT "sessionId" FROM "Case" WHERE "id" = $1`, [caseId]);
    const sessionId = rows[0].sessionId;
    await expect(insertCase("PROPOSAL", sessionId, "0205")).rejects.toMatchObject({
      code: "23505",
      constraint: "Case_kind_sessionId_number_key",
    });
    // Another kind, or the number as written differently ("205" is not "0205"), is another case.
    await expect(insertCase("SUGGESTION", sessionId, "0205")).resolves.toBeDefined();
    await expect(insertCase("PROPOSAL", sessionId, "205")).resolves.toBeDefined();
  });

  it("refuses a LEAD assignment without a reply deadline", async () => {
    const insert = (replyDeadline: string | null) =>
      client.query(
        `INSERT INTO "Assignment" ("caseId", "unitId", "role", "signDeadline", "adjustDeadline", "replyDeadline",
           "updatedAt") VALUES ($1, $2, 'LEAD', '2024-03-06', '2024-03-08', $3, now())`,
        [caseId, unitId, replyDeadline],
      );
    await expect(insert(null)).rejects.toMatchObject({
      code: "23514",
      constraint: "Assignment_deadline_by_role_check",
    });
    await expect(insert("2024-06-01")).resolves.toBeDefined();
  });

  it("keeps Event append-only: UPDATE, DELETE and TRUNCATE are refused", async () => {
    const { rows } = await client.query(
      `INSERT INTO "Event" ("actorLabel", "action", "caseId") VALUES ('系统', 'case.import', $1) RETURNING "id"`,
      [caseId],
    );
    const id = rows[0].id;
    await expect(client.query(`UPDATE "Event" SET "action" = 'rewritten' WHERE "id" = $1`, [id])).rejects.toThrow(
      /append-only: UPDATE refused/,
    );
    await expect(client.query(`DELETE FROM "Event" WHERE "id" = $1`, [id])).rejects.toThrow(
      /append-only: DELETE refused/,
    );
    await expect(client.query(`TRUNCATE "Event"`)).rejects.toThrow(/append-only: TRUNCATE refused/);
    const after = await client.query(`SELECT "action" FROM "Event" WHERE "id" = $1`, [id]);
    expect(after.rows).toEqual([{ action: "case.import" }]);
  });
});
