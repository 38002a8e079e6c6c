// Real PostgreSQL for tests: each test file gets a database of its own, copied from a template that has the
// migrations applied (copying is much faster than migrating each time).
import { createHash, randomBytes } from "node:crypto";
import pg from "pg";
import { createDb, type Db } from "../../db/client.ts";
import { applyMigrations, readMigrations } from "../../db/migrate.ts";

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The template's name changes whenever a migration does, so a stale template is never used. */
export async function templateName(): Promise<string> {
  const hash = createHash("sha256");
  for (const m of await readMigrations()) hash.update(m.name).update(m.checksum);
  return `casebot_tpl_${hash.digest("hex").slice(0, 12)}`;
}

export async function ensureTemplate(): Promise<string> {
  const name = await templateName();
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (rowCount) return name;
    const building = `${name}_build_${randomBytes(3).toString("hex")}`;
    await client.query(`CREATE DATABASE "${building}"`);
    await applyMigrations(databaseUrl(building));
    try {
      await client.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
    } catch {
      await client.query(`DROP DATABASE IF EXISTS "${building}"`); // another run built it first
    }
    return name;
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  db: Db;
  drop(): Promise<void>;
}

/** A new database with every migration applied. Call `drop()` in afterAll. */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `casebot_t_${randomBytes(6).toString("hex")}`;
  if (options.migrated === false) {
    await adminQuery(`CREATE DATABASE "${name}"`);
  } else {
    const template = await ensureTemplate();
    await retry(() => adminQuery(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  }
  const url = databaseUrl(name);
  const db = createDb(url, { poolSize: 4 });
  return {
    name,
    url,
    db,
    async drop() {
      await db.$disconnect();
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

async function retry<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (error) {
      // "source database is being accessed by other users": a concurrent copy; wait and try again.
      if (i >= attempts) throw error;
      await new Promise((r) => setTimeout(r, 100 * i));
    }
  }
}
