/**
 * Adversarial tests of the one SetupFuture under the five connect and bind futures (TCP and Unix
 * connect, TCP and Unix bind, UDP bind): each future dropped in each of its states (before the
 * first poll, while the system has not answered, settled but not taken, taken, twice), errors
 * arriving as typed IoErrors, nothing left behind (Brigade's `netMetrics()`, the runtime's
 * bridges, the process's handles), dumps naming each. The UDP receiver's are in
 * net-udp-receiver-adversarial.test.ts.
 *
 * Peers are plain Node servers and sockets, so `netMetrics()` counts only what Brigade made.
 */
import { createSocket, type Socket as DgramSocket } from "node:dgram";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FutureStateError } from "../src/future/errors.js";
import { asyncBlock, type FutureBase, JoinError, PENDING, pollFn, Runtime } from "../src/index.js";
import { IoError } from "../src/io/error.js";
import {
  netMetrics,
  TcpListener,
  TcpStream,
  UdpSocket,
  UnixListener,
  UnixStream,
} from "../src/node.js";
import { closePeersAfterEach, peers, probe, rejection, turn } from "./net-adversarial-kit.js";
import { expectNoSocketsLeft, settled } from "./net-testkit.js";
import { leaveStaleSocket, removeSocketFilesAfterEach, sockPath } from "./net-unix-testkit.js";

expectNoSocketsLeft();
removeSocketFilesAfterEach();

closePeersAfterEach();

/** The process's socket handles by libuv type, as `getActiveResourcesInfo` lists them. */
function handles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) {
    if (/TCP|Pipe|UDP/.test(r)) out[r] = (out[r] ?? 0) + 1;
  }
  return out;
}

/**
 * Wait (boundedly) until no kind of socket handle outnumbers `before`; the kinds that still do
 * (an empty object when none). Peers of earlier tests may still be closing, so fewer is fine.
 */
async function handlesAbove(before: Record<string, number>): Promise<Record<string, number>> {
  let over: Record<string, number> = {};
  for (let i = 0; i < 200; i++) {
    over = {};
    for (const [k, n] of Object.entries(handles())) if (n > (before[k] ?? 0)) over[k] = n;
    if (Object.keys(over).length === 0) return over;
    await turn(5);
  }
  return over;
}

/** A plain TCP or Unix server that accepts and remembers every connection. */
async function rawServer(at: { port: number } | { path: string }) {
  const conns: Socket[] = [];
  const server: Server = createServer((s) => {
    conns.push(s);
    s.on("error", () => {});
  });
  await new Promise<void>((r) =>
    "path" in at ? server.listen(at.path, r) : server.listen(at.port, "127.0.0.1", r),
  );
  peers.push({
    close: () => {
      for (const c of conns) c.destroy();
      return new Promise((r) => server.close(r));
    },
  });
  return { server, conns };
}

/** A TCP port that was free a moment ago (bound by Node and released). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Whether a plain TCP connect to `port` on 127.0.0.1 (or to a Unix path) is answered. */
function answers(at: { port: number } | { path: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
    if ("path" in at) s.connect(at.path);
    else s.connect(at.port, "127.0.0.1");
  });
}

type Setup = FutureBase<Disposable> & Disposable;

interface Kind {
  name: string;
  /** Make the future (and whatever peer it needs); `label` is its dump label. */
  make(): Promise<{ fut: Setup; label: string; gone(): Promise<boolean> }>;
}

const kinds: Kind[] = [
  {
    name: "TcpStream.connect",
    async make() {
      const { server, conns } = await rawServer({ port: 0 });
      const port = (server.address() as { port: number }).port;
      return {
        fut: TcpStream.connect(`127.0.0.1:${port}`),
        label: `TcpStream.connect(127.0.0.1:${port})`,
        // The server side of any connection made has seen it closed.
        gone: async () => {
          for (let i = 0; i < 100 && conns.some((c) => !c.destroyed && !c.readableEnded); i++) {
            await turn(5);
          }
          return conns.every((c) => c.destroyed || c.readableEnded);
        },
      };
    },
  },
  {
    name: "UnixStream.connect",
    async make() {
      const path = sockPath("conn");
      const { conns } = await rawServer({ path });
      return {
        fut: UnixStream.connect(path),
        label: `UnixStream.connect(${path})`,
        gone: async () => {
          for (let i = 0; i < 100 && conns.some((c) => !c.destroyed && !c.readableEnded); i++) {
            await turn(5);
          }
          return conns.every((c) => c.destroyed || c.readableEnded);
        },
      };
    },
  },
  {
    name: "TcpListener.bind",
    async make() {
      const port = await freePort();
      return {
        fut: TcpListener.bind(`127.0.0.1:${port}`),
        label: `TcpListener.bind(127.0.0.1:${port})`,
        gone: async () => !(await answers({ port })),
      };
    },
  },
  {
    name: "UnixListener.bind",
    async make() {
      const path = sockPath("bind");
      return {
        fut: UnixListener.bind(path),
        label: `UnixListener.bind(${path})`,
        // Nobody answers there, and no socket file is left behind (a stale one blocks the next bind).
        gone: async () => !(await answers({ path })) && !existsSync(path),
      };
    },
  },
  {
    name: "UdpSocket.bind",
    async make() {
      const port = await freePort();
      return {
        fut: UdpSocket.bind(`127.0.0.1:${port}`),
        label: `UdpSocket.bind(127.0.0.1:${port})`,
        // The port is free again: a plain socket can bind it.
        gone: () =>
          new Promise<boolean>((resolve) => {
            const s = createSocket("udp4");
            s.once("error", () => resolve(false));
            s.bind(port, "127.0.0.1", () => {
              s.close();
              resolve(true);
            });
          }),
      };
    },
  },
];

const NOTHING = { liveSockets: 0, liveListeners: 0 };

describe.each(kinds)("$name, dropped in each state", (kind) => {
  it("dropped before its first poll, twice: nothing was made, and a poll after says it was dropped", async () => {
    const { fut } = await kind.make();
    const before = handles();
    fut[Symbol.dispose]();
    fut[Symbol.dispose]();
    expect(netMetrics()).toEqual(NOTHING);
    expect(handles()).toEqual(before);
    const p = probe();
    expect(() => fut.poll(p.cx)).toThrow(FutureStateError);
    expect(() => fut.poll(p.cx)).toThrow(/was dropped/);
    expect(p.wakes).toBe(0);
  });

  it("polled once, then dropped while the system has not answered: never woken, nothing left open, the half-made thing undone", async () => {
    const { fut, gone } = await kind.make();
    const before = handles();
    const p = probe();
    expect(fut.poll(p.cx)).toBe(PENDING);
    const during = netMetrics();
    expect(during.liveSockets + during.liveListeners).toBe(1);
    fut[Symbol.dispose]();
    fut[Symbol.dispose]();
    await turn(30); // the system's late answer arrives and is undone
    expect(await settled()).toEqual(NOTHING);
    expect(await gone()).toBe(true);
    expect(await handlesAbove(before)).toEqual({});
    expect(p.wakes).toBe(0);
    expect(() => fut.poll(p.cx)).toThrow(/was dropped/);
  });

  it("settled, then dropped before the poll that takes it: what it made is closed, and it was woken once", async () => {
    const { fut, gone } = await kind.make();
    const before = handles();
    const p = probe();
    expect(fut.poll(p.cx)).toBe(PENDING);
    await p.woken;
    fut[Symbol.dispose]();
    fut[Symbol.dispose]();
    expect(await settled()).toEqual(NOTHING);
    expect(await gone()).toBe(true);
    expect(await handlesAbove(before)).toEqual({});
    expect(p.wakes).toBe(1);
    expect(() => fut.poll(p.cx)).toThrow(/was dropped/);
  });

  it("taken, then dropped twice: what it handed over stays open until its own drop; a poll after says it completed", async () => {
    const { fut, gone } = await kind.make();
    const p = probe();
    expect(fut.poll(p.cx)).toBe(PENDING);
    await p.woken;
    const made = fut.poll(p.cx) as Disposable;
    expect(made).not.toBe(PENDING);
    fut[Symbol.dispose]();
    fut[Symbol.dispose]();
    await turn(10);
    const m = netMetrics();
    expect(m.liveSockets + m.liveListeners).toBe(1);
    expect(() => fut.poll(p.cx)).toThrow(/completed/);
    made[Symbol.dispose]();
    expect(await settled()).toEqual(NOTHING);
    expect(await gone()).toBe(true);
    expect(p.wakes).toBe(1);
  });

  it("polled again with another waker while the system has not answered: only the latest waker is woken", async () => {
    const { fut } = await kind.make();
    const first = probe();
    const second = probe();
    expect(fut.poll(first.cx)).toBe(PENDING);
    expect(fut.poll(second.cx)).toBe(PENDING);
    await second.woken;
    await turn(10);
    expect([first.wakes, second.wakes]).toEqual([0, 1]);
    const made = fut.poll(second.cx) as Disposable;
    made[Symbol.dispose]();
  });

  it("in a runtime, the task dump names it while the system has not answered, and its bridge closes when it is dropped", async () => {
    const { fut, label } = await kind.make();
    const rt = new Runtime();
    try {
      const h = rt.spawn(
        asyncBlock(function* setup() {
          return yield* fut;
        }),
        { name: `setup ${kind.name}` },
      );
      for (let i = 0; i < 20; i++) await Promise.resolve(); // polled; no event-loop turn yet
      expect(rt.metrics().pendingBridges).toBe(1);
      const dump = String(rt.dump());
      expect(dump).toContain(`setup ${kind.name}`);
      expect(dump).toContain(label);
      h.abort();
      expect(await rejection(h)).toBeInstanceOf(JoinError);
      expect(rt.metrics().pendingBridges).toBe(0);
    } finally {
      await rt.shutdown();
    }
    expect(await settled()).toEqual(NOTHING);
  });

  it("in a runtime, awaited to the end: the bridge opens once and closes once", async () => {
    const { fut } = await kind.make();
    const rt = new Runtime();
    try {
      const made = await rt.spawn(
        asyncBlock(function* () {
          const v = yield* fut;
          return [v, rt.metrics().pendingBridges] as const;
        }),
      );
      expect(made[1]).toBe(0);
      made[0][Symbol.dispose]();
    } finally {
      await rt.shutdown();
    }
    expect(await settled()).toEqual(NOTHING);
  });
});

/** Await `fut` in a fresh runtime; the error it threw (or a marker that it did not). */
async function failureOf(fut: Setup): Promise<unknown> {
  const before = handles();
  const rt = new Runtime();
  try {
    return await rt.spawn(
      asyncBlock(function* () {
        try {
          const v = yield* fut;
          v[Symbol.dispose]();
          return "no error";
        } catch (e) {
          return [e, rt.metrics().pendingBridges];
        }
      }),
    );
  } finally {
    await rt.shutdown();
    // The failed socket or server is gone from the process too.
    expect(await handlesAbove(before)).toEqual({});
  }
}

describe.each(kinds)("$name, outliving its runtime", (kind) => {
  it("first polled in a task of a runtime that closes before the system answers: it settles later, the closed runtime's bridge count returns to 0, and what it made is taken by hand", async () => {
    const { fut, gone } = await kind.make();
    const rt = new Runtime();
    await rt.spawn(pollFn((cx) => (fut.poll(cx) === PENDING ? 0 : 1)));
    expect(rt.metrics().pendingBridges).toBe(1);
    await rt.shutdown();
    await turn(30); // the system answers after the runtime closed
    expect(rt.metrics().pendingBridges).toBe(0);
    const made = fut.poll(probe().cx) as Disposable;
    expect(made).not.toBe(PENDING);
    made[Symbol.dispose]();
    expect(await settled()).toEqual(NOTHING);
    expect(await gone()).toBe(true);
  });
});

describe("setup errors arrive as typed IoErrors at the awaiting future", () => {
  it("connect to a closed TCP port: ConnectionRefused, naming the address, with the bridge closed", async () => {
    const port = await freePort();
    const [e, bridges] = (await failureOf(TcpStream.connect(`127.0.0.1:${port}`))) as [
      IoError,
      number,
    ];
    expect(e).toBeInstanceOf(IoError);
    expect([e.kind, e.code, bridges]).toEqual(["ConnectionRefused", "ECONNREFUSED", 0]);
    expect(e.message).toContain(`127.0.0.1:${port}`);
  });

  it("an IPv6 address is bracketed in the messages of a refused connect and a bind in use, as in dumps", async () => {
    const port = await freePort();
    const [refused] = (await failureOf(TcpStream.connect(`[::1]:${port}`))) as [IoError];
    expect(refused.message).toMatch(new RegExp(`^connect to \\[::1\\]:${port} failed`));
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, "::1", r));
    peers.push({ close: () => new Promise((r) => taken.close(r)) });
    const used = (taken.address() as { port: number }).port;
    const [inUse] = (await failureOf(TcpListener.bind(`[::1]:${used}`))) as [IoError];
    expect(inUse.kind).toBe("AddrInUse");
    expect(inUse.message).toMatch(new RegExp(`^bind to \\[::1\\]:${used} failed`));
  });

  it("connect to a Unix path with no file: an IoError of code ENOENT naming the path", async () => {
    const path = sockPath("missing");
    const [e] = (await failureOf(UnixStream.connect(path))) as [IoError];
    expect(e).toBeInstanceOf(IoError);
    expect([e.kind, e.code]).toEqual(["NotFound", "ENOENT"]);
    expect(e.message).toContain(path);
  });

  it("connect to a stale Unix socket file: ConnectionRefused", async () => {
    const path = sockPath("stale");
    leaveStaleSocket(path);
    const [e] = (await failureOf(UnixStream.connect(path))) as [IoError];
    expect(e).toBeInstanceOf(IoError);
    expect(e.kind).toBe("ConnectionRefused");
  });

  it("bind a TCP port a plain server holds: AddrInUse naming the address", async () => {
    const { server } = await rawServer({ port: 0 });
    const port = (server.address() as { port: number }).port;
    const [e, bridges] = (await failureOf(TcpListener.bind(`127.0.0.1:${port}`))) as [
      IoError,
      number,
    ];
    expect(e).toBeInstanceOf(IoError);
    expect([e.kind, e.code, bridges]).toEqual(["AddrInUse", "EADDRINUSE", 0]);
    expect(e.message).toContain(String(port));
  });

  it("bind a UDP port a plain socket holds: AddrInUse", async () => {
    const holder: DgramSocket = createSocket("udp4");
    await new Promise<void>((r) => holder.bind(0, "127.0.0.1", r));
    peers.push({ close: () => new Promise((r) => holder.close(() => r(null))) });
    const port = holder.address().port;
    const [e] = (await failureOf(UdpSocket.bind(`127.0.0.1:${port}`))) as [IoError];
    expect(e).toBeInstanceOf(IoError);
    expect(e.kind).toBe("AddrInUse");
  });

  it("bind a Unix path where a plain file lies: an IoError, and the file is left alone", async () => {
    const path = sockPath("file");
    writeFileSync(path, "not a socket");
    const [e] = (await failureOf(UnixListener.bind(path))) as [IoError];
    expect(e).toBeInstanceOf(IoError);
    expect(e.code).toBe("EADDRINUSE");
    expect(e.message).toContain("A file that is not a socket is at that path, not a socket");
    expect(e.message).not.toContain("rmSync");
    expect(readFileSync(path, "utf8")).toBe("not a socket");
  });

  it("bind a Unix path where a directory is: AddrInUse that says so, without advice to remove it", async () => {
    const path = mkdtempSync(join(tmpdir(), "brigade-dir-"));
    try {
      const [e] = (await failureOf(UnixListener.bind(path))) as [IoError];
      expect(e.kind).toBe("AddrInUse");
      expect(e.message).toContain("A directory is at that path, not a socket");
      expect(e.message).not.toContain("rmSync");
    } finally {
      rmSync(path, { recursive: true, force: true });
    }
  });

  it("bind a Unix path in a directory that does not exist: an IoError naming the path (Node reports EACCES)", async () => {
    const path = `${sockPath("nodir")}.d/inner.sock`;
    const [e, bridges] = (await failureOf(UnixListener.bind(path))) as [IoError, number];
    expect(e).toBeInstanceOf(IoError);
    expect(e.message).toContain(path);
    expect(bridges).toBe(0);
  });

  it("bad ports and paths are refused when the future is made, with a typed error naming the argument", () => {
    expect(() => TcpStream.connect("127.0.0.1:70000")).toThrow(RangeError);
    expect(() => TcpListener.bind("127.0.0.1:70000")).toThrow(/TcpListener\.bind\(addr\)/);
    expect(() => UdpSocket.bind("127.0.0.1:70000")).toThrow(RangeError);
    expect(() => UnixStream.connect("")).toThrow(TypeError);
    expect(() => UnixListener.bind(`/tmp/${"x".repeat(200)}`)).toThrow(
      /UnixListener\.bind\(path\): path must be at most/,
    );
    expect(netMetrics()).toEqual(NOTHING);
  });

  it("a connect dropped while its refusal is on the way is never woken, and the refusal goes nowhere", async () => {
    const port = await freePort();
    const fut = TcpStream.connect(`127.0.0.1:${port}`);
    const p = probe();
    expect(fut.poll(p.cx)).toBe(PENDING);
    fut[Symbol.dispose]();
    await turn(30);
    expect(p.wakes).toBe(0);
    expect(() => fut.poll(p.cx)).toThrow(/was dropped/);
  });

  it("a refused connect, settled and dropped before it is polled, throws nothing and keeps nothing", async () => {
    const port = await freePort();
    const fut = TcpStream.connect(`127.0.0.1:${port}`);
    const p = probe();
    fut.poll(p.cx);
    await p.woken;
    fut[Symbol.dispose]();
    expect(() => fut.poll(p.cx)).toThrow(FutureStateError);
    expect(p.wakes).toBe(1);
  });

  it("a refused connect polled to its error: the IoError once, then a FutureStateError saying it completed", async () => {
    const port = await freePort();
    const fut = TcpStream.connect(`127.0.0.1:${port}`);
    const p = probe();
    expect(fut.poll(p.cx)).toBe(PENDING);
    await p.woken;
    expect(() => fut.poll(p.cx)).toThrow(IoError);
    expect(() => fut.poll(p.cx)).toThrow(/completed/);
    fut[Symbol.dispose]();
    expect(() => fut.poll(p.cx)).toThrow(/completed/);
  });

  it("a TCP bind on 'localhost' dropped while the name resolves: the listen that lands later is undone", async () => {
    const port = await freePort();
    const before = handles();
    const fut = TcpListener.bind(`localhost:${port}`);
    const p = probe();
    expect(fut.poll(p.cx)).toBe(PENDING);
    fut[Symbol.dispose]();
    await turn(50);
    expect(await answers({ port })).toBe(false);
    expect(await handlesAbove(before)).toEqual({});
    expect(p.wakes).toBe(0);
  });

  it("a TCP connect to 'localhost' dropped while the name resolves: no socket is left", async () => {
    const { server, conns } = await rawServer({ port: 0 });
    const port = (server.address() as { port: number }).port;
    const fut = TcpStream.connect(`localhost:${port}`);
    const p = probe();
    expect(fut.poll(p.cx)).toBe(PENDING);
    fut[Symbol.dispose]();
    await turn(50);
    expect(await settled()).toEqual(NOTHING);
    expect(conns.every((c) => c.destroyed || c.readableEnded)).toBe(true);
    expect(p.wakes).toBe(0);
  });
});
