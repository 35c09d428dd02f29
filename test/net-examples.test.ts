/**
 * The examples, driven by ordinary clients over loopback: Node's `net` for the echo and chat
 * servers; Node's `http` client, curl and a bounded autocannon load for the HTTP server. After each
 * `stop()`, no socket or listener may be left.
 */
import { execFile, spawn as spawnProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { start as startChat } from "../examples/chat-server.js";
import { start as startEcho } from "../examples/echo-server.js";
import { start as startHttp } from "../examples/http-hello.js";
import { expectNoSocketsLeft } from "./net-testkit.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

expectNoSocketsLeft();

/** A line-reading chat client on Node's own sockets. */
class ChatClient {
  readonly lines: string[] = [];
  private partial = "";
  readonly socket: net.Socket;
  readonly closed: Promise<void>;
  constructor(port: number) {
    this.socket = net.connect(port, "127.0.0.1");
    this.socket.setEncoding("utf8");
    this.socket.on("data", (text: string) => {
      const parts = (this.partial + text).split("\n");
      this.partial = parts.pop()!;
      this.lines.push(...parts);
    });
    this.closed = new Promise((r) => this.socket.on("close", () => r()));
  }
  say(line: string): void {
    this.socket.write(`${line}\n`);
  }
  /** Wait (at most ~5 s) until a line equal to `line` has arrived. */
  async expectLine(line: string): Promise<void> {
    for (let i = 0; i < 1000 && !this.lines.includes(line); i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(this.lines).toContain(line);
  }
}

describe("examples/echo-server.ts", () => {
  it("echoes 1 MB from a Node client and closes after the client's end, then stops cleanly", async () => {
    const server = await startEcho(0);
    try {
      const payload = randomBytes(1024 * 1024);
      const back = await new Promise<Buffer>((resolve, reject) => {
        const s = net.connect(server.port, "127.0.0.1", () => s.end(payload));
        const parts: Buffer[] = [];
        s.on("data", (d: Buffer) => parts.push(d));
        s.on("end", () => resolve(Buffer.concat(parts)));
        s.on("error", reject);
      });
      expect(back.equals(payload)).toBe(true);
    } finally {
      await server.stop();
    }
  });
});

describe("examples/chat-server.ts", () => {
  it("asks for a name, relays lines to the others only, and announces joins and leaves", async () => {
    const server = await startChat(0);
    try {
      const alice = new ChatClient(server.port);
      const bob = new ChatClient(server.port);
      await alice.expectLine("Please enter your username:");
      await bob.expectLine("Please enter your username:");
      alice.say("alice");
      bob.say("bob");
      // Both names may be processed in either order; once bob hears alice, both are in the room.
      for (let i = 0; i < 500 && !bob.lines.includes("alice: hi"); i++) {
        alice.say("hi");
        await new Promise((r) => setTimeout(r, 10));
      }
      await bob.expectLine("alice: hi");
      bob.say("who wants soup?");
      await alice.expectLine("bob: who wants soup?");
      const dave = new ChatClient(server.port);
      await dave.expectLine("Please enter your username:");
      dave.say("dave");
      await alice.expectLine("dave has joined the chat");
      await bob.expectLine("dave has joined the chat");
      bob.say("me\r"); // a \r\n ending is a line ending too
      await alice.expectLine("bob: me");
      await dave.expectLine("bob: me");
      // A line that is not UTF-8 is skipped; the sender stays in the room.
      bob.socket.write(Buffer.from([0xff, 0xfe, 0x0a]));
      bob.say("still here");
      await alice.expectLine("bob: still here");
      expect(alice.lines).not.toContain("bob has left the chat");
      expect(bob.lines).not.toContain("bob: who wants soup?");
      expect(alice.lines.filter((l) => l.startsWith("alice:"))).toEqual([]);
      bob.socket.end();
      await alice.expectLine("bob has left the chat");
      await dave.expectLine("bob has left the chat");
      await bob.closed;
      alice.socket.end();
      dave.socket.end();
      await Promise.all([alice.closed, dave.closed]);
    } finally {
      await server.stop();
    }
  });
});

/** One request with Node's http client (a fresh connection). */
function request(
  port: number,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        text += d;
      });
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

interface AutocannonResult {
  errors: number;
  timeouts: number;
  non2xx: number;
  resets: number;
  "2xx": number;
  requests: { total: number };
}

/** Send `raw` bytes on a fresh connection; resolve with everything the server sent before closing. */
function rawExchange(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(raw));
    let got = "";
    socket.setEncoding("latin1");
    socket.on("data", (d: string) => {
      got += d;
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(got));
  });
}

describe("examples/http-hello.ts refuses what it cannot frame, and closes", () => {
  it("chunked bodies (501), bad or duplicate Content-Length (400), a body over 1 MiB (413), a bad request line or header (400)", async () => {
    const server = await startHttp(0);
    try {
      const cases: [string, string][] = [
        ["POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nGET /\r\n0\r\n\r\n", "501"],
        ["POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde", "400"],
        ["POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n", "400"],
        ["POST / HTTP/1.1\r\nContent-Length: 99999999999999\r\n\r\n", "413"],
        ["GET /\r\n\r\n", "400"],
        ["GET / HTTP/1.1\r\nno colon here\r\n\r\n", "400"],
      ];
      for (const [raw, status] of cases) {
        const reply = await rawExchange(server.port, raw);
        // One response, then the connection is closed (the close event resolved the exchange).
        expect(reply.match(/^HTTP\/1\.1 (\d+)/m)?.[1]).toBe(status);
        expect(reply.match(/HTTP\/1\.1 /g)).toHaveLength(1);
        expect(reply).toMatch(/Connection: close/);
      }
      // A keep-alive request after all that is still served normally.
      const ok = await request(server.port, "GET", "/");
      expect(ok.status).toBe(200);
      const tooMany = await request(server.port, "DELETE", "/");
      expect(tooMany.status).toBe(405);
      expect(tooMany.headers.allow).toBe("GET, HEAD");
    } finally {
      await server.stop();
    }
  });
});

describe("examples/http-hello.ts cuts off a head that does not arrive in time", () => {
  it("a client that sends half a head, or nothing, is closed after the limit; the others are served", async () => {
    const server = await startHttp(0, 100);
    try {
      const closedWithout = (first: string) =>
        new Promise<string>((resolve, reject) => {
          const socket = net.connect({ port: server.port, host: "127.0.0.1" });
          let got = "";
          socket.setEncoding("latin1");
          socket.on("data", (d: string) => {
            got += d;
          });
          socket.on("error", reject);
          socket.on("close", () => resolve(got));
          if (first !== "") socket.write(first);
        });
      // Both are cut off with no answer at all (the server never saw a whole request).
      const [half, idle] = await Promise.all([
        closedWithout("GET / HTTP/1.1\r\nHost: slow"),
        closedWithout(""),
      ]);
      expect([half, idle]).toEqual(["", ""]);
      // A client that does send its head in time is answered, on a fresh connection and again.
      expect((await request(server.port, "GET", "/")).status).toBe(200);
      expect((await request(server.port, "GET", "/")).status).toBe(200);
    } finally {
      await server.stop();
    }
    // A limit that is not a positive number of ms is refused up front.
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(startHttp(0, bad)).rejects.toThrow(
        /headTimeout must be a positive number of ms/,
      );
    }
  });
});

describe("the examples, run as programs", () => {
  it("each exits by itself on Ctrl-C, the accept loop dropped and the port closed", async () => {
    for (const example of ["echo-server", "chat-server", "http-hello"]) {
      const child = spawnProcess(
        process.execPath,
        ["--import", "tsx", `examples/${example}.ts`, "0"],
        {
          cwd: ROOT,
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
      const ready = new Promise<void>((resolve) => {
        child.stdout!.once("data", () => resolve());
      });
      const exited = new Promise<number | null>((resolve) =>
        child.on("exit", (code) => resolve(code)),
      );
      await ready;
      // The banner is printed just before the Ctrl-C future is first polled (and its listener
      // installed); a signal sooner than that would get Node's default exit, not the example's.
      await new Promise((r) => setTimeout(r, 500));
      child.kill("SIGINT");
      const code = await Promise.race([
        exited,
        new Promise((r) => setTimeout(() => r("hung"), 10_000)),
      ]);
      if (code === "hung") child.kill("SIGKILL");
      expect([example, code]).toEqual([example, 0]);
    }
  }, 60_000);
});

describe("examples/http-hello.ts", () => {
  it("answers Node's http client: 200 with the body, 404, 405 after a body, HEAD without a body", async () => {
    const server = await startHttp(0);
    try {
      const ok = await request(server.port, "GET", "/");
      expect(ok.status).toBe(200);
      expect(ok.body).toBe("Hello, world!\n");
      expect(ok.headers["content-length"]).toBe("14");
      expect(ok.headers["content-type"]).toBe("text/plain; charset=utf-8");
      expect((await request(server.port, "GET", "/nope")).status).toBe(404);
      const post = await request(server.port, "POST", "/", "an order body");
      expect([post.status, post.body]).toEqual([405, "Method Not Allowed\n"]);
      const head = await request(server.port, "HEAD", "/");
      expect([head.status, head.body, head.headers["content-length"]]).toEqual([200, "", "14"]);
    } finally {
      await server.stop();
    }
  });

  it("keeps a connection alive across requests from one agent", async () => {
    const server = await startHttp(0);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const ports = new Set<number>();
      for (let i = 0; i < 5; i++) {
        await new Promise<void>((resolve, reject) => {
          http
            .get({ host: "127.0.0.1", port: server.port, path: "/", agent }, (res) => {
              ports.add(res.socket.localPort!);
              res.resume();
              res.on("end", () => resolve());
            })
            .on("error", reject);
        });
      }
      expect(ports.size).toBe(1);
    } finally {
      agent.destroy();
      await server.stop();
    }
  });

  it("a client that resets mid-request does not stop the server: the next one is served", async () => {
    const server = await startHttp(0);
    try {
      await new Promise<void>((resolve) => {
        const s = net.connect(server.port, "127.0.0.1", () => {
          s.write("GET / HTTP/1.1\r\nHost: x\r\n", () => s.resetAndDestroy());
        });
        s.on("error", () => {});
        s.on("close", () => resolve());
      });
      const ok = await request(server.port, "GET", "/");
      expect([ok.status, ok.body]).toEqual([200, "Hello, world!\n"]);
    } finally {
      await server.stop();
    }
  });

  it("answers curl", async () => {
    const server = await startHttp(0);
    try {
      const { stdout } = await promisify(execFile)("curl", [
        "-si",
        "--max-time",
        "5",
        `http://127.0.0.1:${server.port}/`,
      ]);
      expect(stdout).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(stdout.endsWith("\r\n\r\nHello, world!\n")).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it("survives a bounded autocannon load (50 connections, 20,000 requests) with no error", async () => {
    const server = await startHttp(0);
    try {
      const { default: autocannon } = (await import("autocannon" as string)) as {
        default: (o: object) => Promise<AutocannonResult>;
      };
      const result = await autocannon({
        url: `http://127.0.0.1:${server.port}/`,
        connections: 50,
        amount: 20_000,
      });
      expect({
        errors: result.errors,
        timeouts: result.timeouts,
        non2xx: result.non2xx,
        resets: result.resets,
      }).toEqual({ errors: 0, timeouts: 0, non2xx: 0, resets: 0 });
      expect(result["2xx"]).toBe(20_000);
    } finally {
      await server.stop();
    }
  }, 60_000);
});
