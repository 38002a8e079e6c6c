// The HTTP side: /healthz for operators, plus the routes other parts mount (console, WeCom callback, …).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export type HealthCheck = () => Promise<boolean>;

export interface Route {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Exact path, or a prefix when `prefix` is set ("/console/" serves everything below it). */
  path: string;
  prefix?: boolean;
  handle(req: IncomingMessage, res: ServerResponse, url: URL): void | Promise<void>;
}

export interface HttpOptions {
  port: number;
  host?: string;
  checks: Record<string, HealthCheck>;
  routes?: Route[];
  onError?: (error: unknown) => void;
}

async function health(checks: Record<string, HealthCheck>): Promise<{ ok: boolean; checks: Record<string, string> }> {
  const results: Record<string, string> = {};
  await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      const ok = await check().catch(() => false);
      results[name] = ok ? "ok" : "failing";
    }),
  );
  return { ok: Object.values(results).every((r) => r === "ok"), checks: results };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

/** The whole request body, or null as soon as it is larger than `maxBytes` (declared or sent). */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  if (Number(req.headers["content-length"] ?? 0) > maxBytes) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function matches(route: Route, method: string | undefined, path: string): boolean {
  if (route.method !== method) return false;
  return route.prefix ? path.startsWith(route.path) : path === route.path;
}

export async function startHttp(options: HttpOptions): Promise<Server> {
  const routes: Route[] = [
    {
      method: "GET",
      path: "/healthz",
      async handle(_req, res) {
        const body = await health(options.checks);
        res.writeHead(body.ok ? 200 : 503, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      },
    },
    ...(options.routes ?? []),
  ];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const route = routes.find((r) => matches(r, req.method, url.pathname));
    if (!route) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end("not found");
      return;
    }
    Promise.resolve()
      .then(() => route.handle(req, res, url))
      .catch((error: unknown) => {
        options.onError?.(error);
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end("internal error");
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => resolve());
  });
  return server;
}
