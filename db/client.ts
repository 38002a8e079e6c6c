// The one way to reach the database: Prisma's client over adapter-pg, for PostgreSQL and embedded PGlite alike.
import { createHash } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.ts";

export type Db = PrismaClient;
export * from "../generated/prisma/client.ts";

/** The pool under each client createDb made, for plainRows/plainExecute. */
const pools = new WeakMap<Db, pg.Pool>();

// Settings for every connection, so no query has to wrap itself in a transaction to say so:
// - jit=off: JIT compiling pays off for long analytical queries; the bot's are short, and a query with many per-row
//   lookups (statistics over a unit's assignments) passes the JIT cost threshold and then spends more time compiling
//   than running. (PGlite, which has no JIT, ignores it.)
export const CONNECTION_OPTIONS = "-c jit=off";

export function createDb(connectionString: string, options: { poolSize?: number } = {}): Db {
  const pool = new pg.Pool({ connectionString, max: options.poolSize ?? 10, options: CONNECTION_OPTIONS });
  // An idle connection the server closed (a restart, a dropped database) is discarded by the pool and the next query
  // opens a new one; without a listener that 'error' event would take the whole process down. Queries in flight
  // still fail with their own error.
  pool.on("error", () => {});
  const db = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  pools.set(db, pool);
  return db;
}

/**
 * Plain SQL on the client's own pool, for the few statements every chat message runs: Prisma's client costs several
 * times the CPU of the query itself per call. Rows come as pg gives them, so select only text, json, int4 and boolean
 * columns (pg and Prisma read dates and bigints differently) and cast parameters whose type SQL cannot infer. A client
 * not made by createDb (a test's logging client) runs the same SQL through Prisma.
 *
 * Each statement is prepared once per connection. PostgreSQL still plans it afresh for each call whose parameters it
 * can see and estimate (an array's length, a unit's share of rows), which for the per-message statements costs more
 * than running them. Where the best plan cannot depend on the values (lookups by key), write a parameter as
 * `(SELECT $1::text[])`: the planner cannot look into it, and after its first five calls it keeps one plan.
 */
export async function plainRows<T>(db: Db, text: string, values: unknown[]): Promise<T[]> {
  const pool = pools.get(db);
  if (pool) return (await pool.query({ name: statementName(text), text, values })).rows as T[];
  return db.$queryRawUnsafe<T[]>(text, ...values);
}

/** Plain SQL that returns no rows; the number of rows it wrote. */
export async function plainExecute(db: Db, text: string, values: unknown[]): Promise<number> {
  const pool = pools.get(db);
  if (pool) return (await pool.query({ name: statementName(text), text, values })).rowCount ?? 0;
  return db.$executeRawUnsafe(text, ...values);
}

const names = new Map<string, string>();

/**
 * A prepared statement's name, the same for the same text: each connection parses and plans a statement once and
 * then only executes it, which spares the server most of the work of the short queries every message runs.
 */
function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `casebot_${createHash("sha1").update(text).digest("hex").slice(0, 16)}`;
    if (names.size < 1_000) names.set(text, name);
  }
  return name;
}
