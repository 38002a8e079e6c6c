// The queue dashboard (bull-board) at /admin/queues, only with ADMIN_TOKEN and only for whoever presents it. Our HTTP
// server is plain node:http, so bull-board's Express adapter runs as a request handler below that one path: its app
// is called with the path made relative, exactly as Express itself mounts a sub-app.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Queue } from "bullmq";
import type { AdminGuard } from "./admin-auth.ts";
import type { Route } from "./http.ts";

export const DASHBOARD_PATH = "/admin/queues";

const METHODS: Route["method"][] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

type Handler = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

export async function dashboardRoutes(options: { queues: Queue[]; guard: AdminGuard | undefined }): Promise<Route[]> {
  const { guard } = options;
  if (!guard) {
    return [
      {
        method: "GET",
        path: DASHBOARD_PATH,
        prefix: true,
        handle(_req, res) {
          res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
          res.end(
            "队列面板未开启：设置 ADMIN_TOKEN（至少 16 个字符）并重启后，在 /admin/queues 使用。\n" +
              "queue dashboard off: set ADMIN_TOKEN (at least 16 characters) and restart to enable /admin/queues.\n",
          );
        },
      },
    ];
  }
  // Loaded only when the dashboard is on: Express and bull-board add about 0.4 s to a start that does not use them.
  const [{ createBullBoard }, { BullMQAdapter }, { ExpressAdapter }] = await Promise.all([
    import("@bull-board/api"),
    import("@bull-board/api/bullMQAdapter"),
    import("@bull-board/express"),
  ]);
  const adapter = new ExpressAdapter();
  adapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: options.queues.map((q) => new BullMQAdapter(q)), serverAdapter: adapter });
  const app = adapter.getRouter() as Handler;

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (url.pathname !== DASHBOARD_PATH && !url.pathname.startsWith(`${DASHBOARD_PATH}/`)) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end("not found");
      return;
    }
    if (!guard?.admit(req, res, url)) return;
    req.url = (req.url ?? "/").slice(DASHBOARD_PATH.length) || "/";
    if (!req.url.startsWith("/")) req.url = `/${req.url}`;
    await new Promise<void>((resolve, reject) => {
      res.once("close", () => resolve());
      app(req, res, (error) => {
        if (error) return reject(error);
        res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
        res.end("not found");
      });
    });
  }
  return METHODS.map((method) => ({ method, path: DASHBOARD_PATH, prefix: true, handle }));
}
