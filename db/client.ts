// The one way to reach the database: Prisma's client over adapter-pg, for PostgreSQL and embedded PGlite alike.
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.ts";

export type Db = PrismaClient;
export * from "../generated/prisma/client.ts";

export function createDb(connectionString: string, options: { poolSize?: number } = {}): Db {
  // JIT compiling pays off for long analytical queries; the bot's are short, and a query with many per-row lookups
  // (statistics over a unit's assignments) passes the JIT cost threshold and then spends more time compiling than
  // running. Off for every connection, so no query has to wrap itself in a transaction to say so. (PGlite, which
  // has no JIT, ignores it.)
  const adapter = new PrismaPg({ connectionString, max: options.poolSize ?? 10, options: "-c jit=off" });
  return new PrismaClient({ adapter });
}
