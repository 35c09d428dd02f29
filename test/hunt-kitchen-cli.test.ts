import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { get as httpGet } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parseArgs, UsageError } from "../src/cli/args.js";
import { colorWanted, main } from "../src/cli/main.js";
import { type KitchenServer, serveKitchen } from "../src/kitchen/server.js";
import { spawnerAmbient } from "../src/task/spawn.js";

/**
 * Bad input found by a hunt through `brigade kitchen`: options given twice, `--list` beside things
 * it ignores, files that pass the permission bits but cannot be written, two outputs in one file,
 * colours under NO_COLOR, and the server's answer to a method it does not serve.
 */

const dir = mkdtempSync(join(tmpdir(), "hunt-kitchen-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), isTTY: false },
    out,
    err,
  };
}

function usage(argv: string[]): string {
  try {
    parseArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as UsageError).message;
  }
  throw new Error(`parseArgs(${argv.join(" ")}) accepted it`);
}

describe("options given twice", () => {
  it("--trace a --trace b is refused by name, instead of writing b and silently dropping a", () => {
    expect(usage(["kitchen", "join", "--trace", "a.json", "--trace", "b.json"])).toBe(
      "--trace is given twice; give it once",
    );
    expect(usage(["kitchen", "--trace=a.json", "join", "--trace=b.json"])).toMatch(
      /^--trace is given twice/,
    );
  });

  it("--html twice and --port twice are refused the same way", () => {
    expect(usage(["kitchen", "--html", "a.html", "--html", "b.html"])).toMatch(
      /^--html is given twice/,
    );
    expect(usage(["kitchen", "--serve", "--port", "1", "--port", "2"])).toMatch(
      /^--port is given twice/,
    );
  });

  it("in-process, a repeated --trace exits 2 with one line on stderr and plays nothing", async () => {
    const c = capture();
    const code = await main(["kitchen", "join", "--trace", "a", "--trace", "b"], c.io);
    expect(code).toBe(2);
    expect(c.err).toEqual(["brigade: --trace is given twice; give it once"]);
    expect(c.out).toEqual([]);
  });
});

describe("empty values", () => {
  it('--html "" (an unset shell variable) says the value is missing, rather than taking the current directory for the file', () => {
    expect(usage(["kitchen", "join", "--html", ""])).toBe("--html needs a value");
    expect(usage(["kitchen", "join", "--trace", ""])).toBe("--trace needs a value");
    expect(usage(["kitchen", "--serve", "--port", ""])).toBe("--port needs a value");
  });
});

describe("--list beside what it would ignore", () => {
  it("--list with a scene name is refused, naming the scene, rather than listing every scene", async () => {
    const c = capture();
    expect(await main(["kitchen", "--list", "join"], c.io)).toBe(2);
    expect(c.err).toEqual([
      "brigade: --list cannot be combined with scene names (join): it only lists the scenes",
    ]);
    expect(c.out).toEqual([]);
  });

  it("--list with --explain, --serve or --html is refused, naming each", () => {
    expect(usage(["kitchen", "--list", "--explain", "--serve"])).toBe(
      "--list cannot be combined with --explain, --serve: it only lists the scenes",
    );
    expect(usage(["kitchen", "--html", "x.html", "--list"])).toMatch(/with --html:/);
  });

  it("--list alone still lists every scene on stdout and exits 0", async () => {
    const c = capture();
    expect(await main(["kitchen", "--list"], c.io)).toBe(0);
    expect(c.out[0]).toMatch(/^lazy\s+Recipe cards are lazy$/);
    expect(c.err).toEqual([]);
  });
});

describe("files that cannot be written", () => {
  it("a path the permission bits allow but the file system refuses (/proc) exits 2 before any scene plays", async () => {
    // As root, access(W_OK) says yes to /proc; only opening the file says no.
    const c = capture();
    expect(await main(["kitchen", "join", "--html", "/proc/brigade-hunt.html"], c.io)).toBe(2);
    expect(c.err).toHaveLength(1);
    expect(c.err[0]).toMatch(/^brigade: --html \/proc\/brigade-hunt\.html: cannot write it \(/);
    // Nothing was played: the story never reached stdout.
    expect(c.out).toEqual([]);
  });

  it("the --html check leaves no file behind when --trace then fails, and keeps an existing page's content", async () => {
    const fresh = join(dir, "fresh.html");
    const kept = join(dir, "kept.html");
    writeFileSync(kept, "old page");
    for (const html of [fresh, kept]) {
      const c = capture();
      // --html is checked (opened for real) first, then --trace fails its check.
      expect(
        await main(["kitchen", "join", "--html", html, "--trace", "/proc/brigade-hunt.json"], c.io),
      ).toBe(2);
      expect(c.err[0]).toMatch(/^brigade: --trace \/proc\/brigade-hunt\.json: cannot write it/);
      expect(c.out).toEqual([]);
    }
    expect(existsSync(fresh)).toBe(false);
    expect(readFileSync(kept, "utf8")).toBe("old page");
  });

  it("--html and --trace naming the same file exit 2 before anything plays, rather than one writing over the other", async () => {
    const same = join(dir, "both.out");
    const c = capture();
    expect(
      await main(["kitchen", "join", "--html", same, "--trace", `${dir}/./both.out`], c.io),
    ).toBe(2);
    expect(c.err).toEqual([
      `brigade: --html and --trace both name ${same}: give each its own file`,
    ]);
    expect(c.out).toEqual([]);
    expect(existsSync(same)).toBe(false);
  });
});

describe("colours", () => {
  it("NO_COLOR set to a value turns colours off on a terminal; NO_COLOR empty counts as unset (no-color.org)", () => {
    expect(colorWanted(true, {})).toBe(true);
    expect(colorWanted(true, { NO_COLOR: "1" })).toBe(false);
    expect(colorWanted(true, { NO_COLOR: "0" })).toBe(false);
    expect(colorWanted(true, { NO_COLOR: "" })).toBe(true);
  });

  it("a dumb terminal and a pipe get no colours", () => {
    expect(colorWanted(true, { TERM: "dumb" })).toBe(false);
    expect(colorWanted(false, {})).toBe(false);
    expect(colorWanted(false, { NO_COLOR: "" })).toBe(false);
  });
});

describe("the server's answer to other methods", () => {
  let server: KitchenServer;
  afterAll(async () => {
    await server?.close();
  });

  it("a POST gets 405 with an Allow header naming GET and HEAD, and the server keeps serving", async () => {
    server = await serveKitchen({ port: 0 });
    const res = await fetch(`${server.url}scene/join`, { method: "POST" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
    expect((await fetch(server.url)).status).toBe(200);
  });

  it("a request whose Host names another site (DNS rebinding) gets 421; localhost and [::1] with the port are served", async () => {
    server ??= await serveKitchen({ port: 0 });
    const statusFor = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = httpGet(
          { host: "127.0.0.1", port: server.port, path: "/", headers: { host } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("error", reject);
      });
    expect(await statusFor(`rebound.example:${server.port}`)).toBe(421);
    expect(await statusFor(`127.0.0.1:${server.port + 1}`)).toBe(421);
    expect(await statusFor(`localhost:${server.port}`)).toBe(200);
    expect(await statusFor(`[::1]:${server.port}`)).toBe(200);
    expect(await statusFor(`127.0.0.1:${server.port}`)).toBe(200);
  });
});

describe("the server when a browser goes away", () => {
  it("a visitor who hangs up while the stove scene plays leaves the server serving; close() then leaves no server or socket open", async () => {
    const open = () =>
      process.getActiveResourcesInfo().filter((r) => r === "TCPServerWrap" || r === "TCPSocketWrap")
        .length;
    const before = open();
    const server = await serveKitchen({ port: 0 });
    // Hung up mid-request (the scene is still playing when the socket goes), and a half-sent one.
    const host = `127.0.0.1:${server.port}`;
    for (const request of [`GET /scene/stove HTTP/1.1\r\nHost: ${host}\r\n\r\n`, "GET /scene/jo"]) {
      await new Promise<void>((done) => {
        const socket = connect(server.port, "127.0.0.1", () => {
          socket.write(request);
          setImmediate(() => {
            socket.destroy();
            done();
          });
        });
      });
    }
    const res = await fetch(`${server.url}scene/join.json`, { headers: { connection: "close" } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as unknown[]).length).toBe(1);
    await server.close();
    // The port is given back, and no socket of this server stays (others' may close meanwhile).
    const refused = await new Promise<string>((done) => {
      const socket = connect(server.port, "127.0.0.1");
      socket.on("connect", () => {
        socket.destroy();
        done("connected");
      });
      socket.on("error", (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    });
    expect(refused).toBe("ECONNREFUSED");
    await new Promise((done) => setTimeout(done, 50));
    expect(open()).toBeLessThanOrEqual(before);
  });
});

describe("--serve closing on Ctrl+C", () => {
  it("a browser still connected (keep-alive) after a stove visit, whose back room used worker threads: SIGINT closes its socket and the process exits 0", async () => {
    const root = fileURLToPath(new URL("..", import.meta.url));
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", "kitchen", "--serve", "--port", "0"],
      { cwd: root, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    const exited = new Promise<{ code: number | null; signal: string | null }>((done) =>
      child.on("exit", (code, signal) => done({ code, signal })),
    );
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    try {
      const url = await new Promise<string>((done, fail) => {
        let out = "";
        child.stdout.on("data", (d) => {
          out += d;
          const m = /open at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (m !== null) done(m[1]!);
        });
        child.on("exit", () => fail(new Error(`the server exited early: ${stderr}`)));
      });
      const { port } = new URL(url);
      // One keep-alive connection, as a browser keeps: the stove's page, then the socket stays open.
      const socket = connect(Number(port), "127.0.0.1");
      const closed = new Promise<void>((done) => socket.on("close", () => done()));
      let response = "";
      const answered = new Promise<void>((done) =>
        socket.on("data", (d) => {
          response += d;
          if (response.includes("</html>")) done();
        }),
      );
      socket.write(
        `GET /scene/stove HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`,
      );
      await answered;
      expect(response).toMatch(/^HTTP\/1\.1 200/);
      child.kill("SIGINT");
      await closed;
      expect(await exited).toEqual({ code: 0, signal: null });
      expect(stderr).toBe("");
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  }, 30_000);
});

describe("--json --realtime", () => {
  it("prints each entry while the runtime is still running the take, as the story does on the real clock, not after the take", async () => {
    const printed: { line: string; live: boolean }[] = [];
    const io = {
      // `live`: a runtime is ticking right now, so the take is still being played.
      out: (t: string) => printed.push({ line: t, live: spawnerAmbient.current !== null }),
      err: () => {},
      isTTY: false,
    };
    expect(await main(["kitchen", "lock", "--json", "--realtime"], io)).toBe(0);
    const says = printed.filter((p) => JSON.parse(p.line).type === "say");
    expect(says.length).toBeGreaterThan(3);
    for (const p of says) expect(p.live).toBe(true);
    // The same lines, in the same order, as the paused run prints at once.
    const paused: string[] = [];
    await main(["kitchen", "lock", "--json"], {
      out: (t) => paused.push(t),
      err: () => {},
      isTTY: false,
    });
    const kinds = (lines: string[]) =>
      lines.map((l) => {
        const o = JSON.parse(l);
        // Story lines quote the clock, real in one run and paused in the other: mask it.
        const text = (o.text ?? o.event?.kind ?? "").replace(/\d+(\.\d+)? ms/g, "<t>");
        return `${o.take}|${o.type}|${o.seq}|${text}`;
      });
    expect(kinds(printed.map((p) => p.line))).toEqual(kinds(paused));
  });
});
