// The ADMIN_TOKEN check for the ops pages (/admin/queues, and /metrics once a token is set). A script sends
// `Authorization: Bearer <token>`; a browser opens `?token=<token>` once, gets a cookie and is sent back to the same
// page without the token in its address. Comparisons hash both sides first, so timingSafeEqual always compares equal
// lengths and the time taken says nothing about the token.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

export const ADMIN_COOKIE = "casebot_admin";

export interface AdminGuard {
  /**
   * True when the request carries the token (header or cookie). Otherwise the answer is written: a redirect that sets
   * the cookie after a right `?token=`, or 401.
   */
  admit(req: IncomingMessage, res: ServerResponse, url: URL): boolean;
}

const digest = (text: string) => createHash("sha256").update(text).digest();

function same(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return undefined;
}

export function createAdminGuard(token: string): AdminGuard {
  // The cookie holds a digest, not the token: a copied cookie does not reveal ADMIN_TOKEN for the bearer header.
  const cookieValue = createHash("sha256").update(`casebot-admin-cookie:${token}`).digest("hex");
  return {
    admit(req, res, url) {
      const header = req.headers.authorization ?? "";
      if (header.startsWith("Bearer ") && same(header.slice("Bearer ".length).trim(), token)) return true;
      const cookie = cookieOf(req, ADMIN_COOKIE);
      if (cookie !== undefined && same(cookie, cookieValue)) return true;
      const query = url.searchParams.get("token");
      if (query !== null && same(query, token)) {
        url.searchParams.delete("token");
        res.writeHead(303, {
          location: `${url.pathname}${url.search}`,
          // Strict: a page elsewhere cannot make the browser retry or clean jobs with this cookie.
          "set-cookie": `${ADMIN_COOKIE}=${cookieValue}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200`,
          "cache-control": "no-store",
        });
        res.end();
        return false;
      }
      res.writeHead(401, { "content-type": "text/plain; charset=utf-8", "www-authenticate": 'Bearer realm="casebot"' });
      res.end(
        "需要管理令牌 (ADMIN_TOKEN)：请求头 Authorization: Bearer <令牌>，或在浏览器中打开一次 ?token=<令牌>。\n" +
          "admin token required: send Authorization: Bearer <ADMIN_TOKEN>, or open ?token=<ADMIN_TOKEN> once in a browser.\n",
      );
      return false;
    },
  };
}
