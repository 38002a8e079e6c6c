// Runs once before all test files: checks PostgreSQL is there and builds the migrated template database.
import pg from "pg";
import { ADMIN_URL, ensureTemplate } from "./postgres.ts";

export default async function setup(): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `tests need PostgreSQL at ${ADMIN_URL} (set TEST_DATABASE_URL): ${(error as Error).message}. ` +
        "`bash .ci/run` starts it when it is installed.",
    );
  } finally {
    await client.end().catch(() => {});
  }
  await ensureTemplate();
}
