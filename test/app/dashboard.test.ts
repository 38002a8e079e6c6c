// The ops pages on the real HTTP server with real BullMQ queues in Redis: the queue dashboard exists only with
// ADMIN_TOKEN and serves only whoever presents it (header, or the cookie a browser gets from ?token= once); /metrics
// is open without ADMIN_TOKEN and guarded the same way with it.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_COOKIE, createAdminGuard } from "../../app/admin-auth.ts";
import { dashboardRoutes } from "../../app/dashboard.ts";
import { startHttp } from "../../app/http.ts";
import { createMetrics, metricsRoute } from "../../app/metrics.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { createTestRedis, type TestRedis } from "../support/redis.ts";

const TOKEN = "ops-token-0123456789abcdef";

let database: TestDatabase;
let redis: TestRedis;
let queues: Queue[];
const servers: Server[] = [];

beforeAll(async () => {
  [database, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
  queues = ["casebot-tick", "casebot-notices"].map(
    (name) => new Queue(name, { connection: { url: redis.url }, prefix: redis.prefix }),
  );
  await queues[1]?.add("notices", { chatKey: "chat-1", outboxIds: ["1"] }, { delay: 60_000 });
});
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  await Promise.all(queues.map((q) => q.close()));
  await Promise.all([database?.drop(), redis?.cleanup()]);
});

/** The ops routes as main mounts them, on a free port; returns the base URL. */
async function serve(adminToken: string | undefined): Promise<string> {
  const metrics = createMetrics();
  metrics.watch({ db: database.db, queues });
  const guard = adminToken ? createAdminGuard(adminToken) : undefined;
  const server = await startHttp({
    port: 0,
    host: "127.0.0.1",
    checks: {},
    routes: [metricsRoute(metrics, guard), ...(await dashboardRoutes({ queues, guard }))],
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("without ADMIN_TOKEN", () => {
  it("has no dashboard (404 saying how to enable it), and /metrics is open", async () => {
    const base = await serve(undefined);
    for (const path of ["/admin/queues", "/admin/queues/api/queues"]) {
      const res = await fetch(`${base}${path}`, { headers: bearer(TOKEN) });
      expect(res.status).toBe(404);
      expect(await res.text()).toContain("set ADMIN_TOKEN");
    }
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('casebot_queue_jobs{queue="casebot-notices",state="delayed"} 1');
  });
});

describe("with ADMIN_TOKEN", () => {
  it("refuses the dashboard and its API without the token or with a wrong one", async () => {
    const base = await serve(TOKEN);
    const attempts: [string, RequestInit][] = [
      ["/admin/queues", {}],
      ["/admin/queues/api/queues", {}],
      ["/admin/queues/api/queues", { headers: bearer("ops-token-0123456789abcdeX") }], // same length, one char off
      ["/admin/queues/api/queues", { headers: bearer("short") }],
      ["/admin/queues/api/queues", { headers: { authorization: TOKEN } }], // not a bearer header
      ["/admin/queues/api/queues", { headers: { cookie: `${ADMIN_COOKIE}=${TOKEN}` } }], // the token is not the cookie
      ["/admin/queues?token=wrong-token-0123456789", { redirect: "manual" }],
      ["/admin/queues/api/queues/casebot-notices/retry/failed", { method: "PUT" }],
    ];
    for (const [path, init] of attempts) {
      const res = await fetch(`${base}${path}`, init);
      expect(res.status, path).toBe(401);
      expect(res.headers.get("set-cookie")).toBeNull();
      expect(await res.text()).toContain("ADMIN_TOKEN");
    }
  });

  it("serves the dashboard and its API to the bearer of the token", async () => {
    const base = await serve(TOKEN);
    const page = await fetch(`${base}/admin/queues`, { headers: bearer(TOKEN) });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain('<base href="/admin/queues/"');

    const api = await fetch(`${base}/admin/queues/api/queues`, { headers: bearer(TOKEN) });
    expect(api.status).toBe(200);
    const body = (await api.json()) as { queues: { name: string; counts: Record<string, number> }[] };
    expect(body.queues.map((q) => q.name).sort()).toEqual(["casebot-notices", "casebot-tick"]);
    expect(body.queues.find((q) => q.name === "casebot-notices")?.counts.delayed).toBe(1);
  });

  it("lets a browser in with ?token= once: a cookie, and the address without the token", async () => {
    const base = await serve(TOKEN);
    const first = await fetch(`${base}/admin/queues?token=${TOKEN}`, { redirect: "manual" });
    expect(first.status).toBe(303);
    expect(first.headers.get("location")).toBe("/admin/queues");
    const setCookie = first.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toContain(TOKEN);
    const cookie = setCookie.split(";")[0] ?? "";

    const page = await fetch(`${base}/admin/queues`, { headers: { cookie } });
    expect(page.status).toBe(200);
    // The page's own scripts and styles load under the same guard.
    const script = /src="(static\/js\/[^"]+)"/.exec(await page.text())?.[1];
    expect((await fetch(`${base}/admin/queues/${script}`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${base}/admin/queues/${script}`)).status).toBe(401);
    const api = await fetch(`${base}/admin/queues/api/queues`, { headers: { cookie: `theme=dark; ${cookie}` } });
    expect(api.status).toBe(200);
  });

  it("guards /metrics with the same token", async () => {
    const base = await serve(TOKEN);
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: bearer("not-the-token-at-all") })).status).toBe(401);
    const res = await fetch(`${base}/metrics`, { headers: bearer(TOKEN) });
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const name of [
      "casebot_pushes_total",
      "casebot_reminder_lateness_seconds",
      "casebot_webhook_rate_limit_wait_seconds",
      "casebot_queue_jobs",
      "casebot_outbox_pending",
      "casebot_reminder_slots_pending",
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });

  it("serves nothing for paths that only start like the dashboard's", async () => {
    const base = await serve(TOKEN);
    expect((await fetch(`${base}/admin/queuesX`, { headers: bearer(TOKEN) })).status).toBe(404);
  });
});
