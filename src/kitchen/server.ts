/**
 * The kitchen's open door: a small web server on the loopback interface (127.0.0.1 only, never the
 * network) where a visitor picks a scene and watches it play step by step. Each visit plays the
 * scene afresh on the real runtime, in paused time, and serves the timeline page of that run with
 * its player started; the page's steps are the run's own recorded entries.
 *
 * Routes: `/` lists the scenes; `/scene/<id>` plays one; `/scene/<id>.json` gives its entries.
 * A request must name the loopback address in its `Host` header (`127.0.0.1`, `localhost` or
 * `[::1]`, with the port): a web page elsewhere that points a name of its own at 127.0.0.1 (DNS
 * rebinding) gets a 421, not the kitchen. (Node only: it uses `node:http`.)
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import "./node-host.js";
import { renderPage } from "./page.js";
import { playScene } from "./play.js";
import { findScene, SCENES } from "./scenes/index.js";

/** A running kitchen server. */
export interface KitchenServer {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The port could not be opened (in use, or not allowed). */
export class ListenError extends Error {
  override name = "ListenError";
}

/**
 * Open the kitchen on `127.0.0.1:port` (`0` picks a free port).
 *
 * @example
 * ```ts
 * const server = await serveKitchen({ port: 0 });
 * console.log(server.url); // http://127.0.0.1:43121/
 * await server.close();
 * ```
 */
export function serveKitchen(options: { port: number }): Promise<KitchenServer> {
  const port = options.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(
      `serveKitchen(options): options.port must be an integer from 0 to 65535, got ${port}`,
    );
  }
  // The port actually opened (port 0 picks one), read once it listens: after close() the server
  // has no address, and a request still being answered must not trip over that.
  let opened = -1;
  const server = createServer((req, res) => {
    if (!loopbackHost(req.headers.host, opened)) {
      send(res, 421, "text/plain", "the kitchen answers only to 127.0.0.1, localhost or [::1]");
      return;
    }
    handle(req, res).catch((e) => {
      if (!res.headersSent) send(res, 500, "text/plain", `the scene failed: ${String(e)}`);
      else res.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      reject(
        new ListenError(
          e.code === "EADDRINUSE"
            ? `port ${port} is already in use (pick another with --port N)`
            : `cannot listen on 127.0.0.1:${port} (${e.code ?? e.message})`,
        ),
      );
    });
    server.listen(port, "127.0.0.1", () => {
      const actual = (server.address() as AddressInfo).port;
      opened = actual;
      resolve({
        url: `http://127.0.0.1:${actual}/`,
        port: actual,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** Whether a `Host` header names this server on the loopback interface. */
function loopbackHost(host: string | undefined, port: number): boolean {
  if (host === undefined) return false;
  const h = host.toLowerCase();
  return h === `127.0.0.1:${port}` || h === `localhost:${port}` || h === `[::1]:${port}`;
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
  if (req.method !== "GET" && req.method !== "HEAD") {
    // A 405 must say what is allowed (RFC 9110, 15.5.6).
    res.setHeader("allow", "GET, HEAD");
    send(res, 405, "text/plain", "only GET and HEAD here");
    return;
  }
  if (path === "/") {
    send(res, 200, "text/html; charset=utf-8", indexPage());
    return;
  }
  const m = /^\/scene\/([a-z0-9-]+)(\.json)?$/.exec(path);
  const scene = m === null ? undefined : findScene(m[1]!);
  if (scene === undefined) {
    send(res, 404, "text/plain", `no such scene: ${path}`);
    return;
  }
  const recordings = await playScene(scene, "paused");
  if (m![2] === ".json") {
    send(res, 200, "application/json", JSON.stringify(recordings));
    return;
  }
  const page = renderPage([{ scene, recordings }], {
    autoplay: true,
    back: { href: "/", label: "← all scenes" },
  });
  send(res, 200, "text/html; charset=utf-8", page);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    "content-type": type,
    "cache-control": "no-store",
    "content-security-policy":
      "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'",
  });
  res.end(body);
}

function indexPage(): string {
  const items = SCENES.map(
    (s, i) =>
      `<li><a class="scene" href="/scene/${s.id}" data-scene="${s.id}">${i + 1}. ${escapeHtml(s.title)}</a><br><span>${escapeHtml(s.blurb)}</span></li>`,
  ).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Brigade kitchen</title>
<style>body{font:15px/1.5 system-ui,sans-serif;background:#fbf7f0;color:#2b2118;margin:0;padding:20px 28px}
h1{font-size:22px;margin:0 0 4px}p{color:#7a6a5a;margin:0 0 14px}ol{list-style:none;padding:0}
li{margin:0 0 12px}a.scene{font-weight:600;color:#9a4b12;font-size:16px}span{color:#7a6a5a}</style></head>
<body><h1>🍳 Brigade kitchen</h1><p>Pick a scene: it plays on the real runtime, step by step, from its recorded events.</p>
<ol>${items}</ol></body></html>`;
}

function escapeHtml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
