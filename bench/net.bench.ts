/**
 * Network benchmarks, side by side: Brigade's servers against plain Node ones doing the same job,
 * driven by the same load generators.
 *
 * - Echo throughput: 8 connections each send 8 MB in 64 KiB writes and read it all back; Brigade's
 *   `examples/echo-server.ts` (copy with backpressure) against `net.createServer(s => s.pipe(s))`.
 * - Echo latency: 16 connections each do 500 ping-pongs of 64 bytes; p99 of the round trips.
 * - HTTP: autocannon (50 connections for 3 s) against `examples/http-hello.ts` and a
 *   `node:http` server with the same handler; requests per second and p99 latency.
 *
 * Each server runs in a child process of its own (one core for the server, one for the load
 * generator in this process), started once and idle while the others are measured; the variants
 * run in interleaved rounds, and the medians are reported.
 *
 * Echo throughput is measured twice. First with every server run through tsx, as the HTTP pair
 * is. Then with the echo servers as plain JavaScript (Brigade's example bundled by esbuild, the
 * way it would be deployed), because under tsx the comparison is mostly about V8's garbage
 * collector, not the servers. V8 starts no incremental marking while the old generation is under
 * 8 MB. Through tsx (sources and inline source maps of ~100 modules kept in the heap) the Brigade
 * process holds ~8.4 MB, the bare Node server ~5.6 MB; bundled, Brigade holds ~5 MB. Past the
 * mark, the 64 KiB buffers Node allocates for every socket read drive a mark-compact every few
 * dozen milliseconds, which roughly doubles the server's CPU per byte. Node's own `s.pipe(s)`
 * server, given the same modules to load, slows down too (to ~0.7× of the bare one when this was
 * written), so the first comparison mostly measures heap sizes.
 *
 * The plain-JavaScript round has a third server: Node's, with each write moved into a microtask
 * (see `NODE_DEFERRED_ECHO_JS`). It separates what waking a task to do the write costs in itself
 * from what Brigade adds on top.
 */
import { type ChildProcess, spawn } from "node:child_process";
import http from "node:http";
import net from "node:net";
import { fileURLToPath, pathToFileURL } from "node:url";
import { compare, record } from "./harness.js";

const SERVER_KIND = process.env.NET_BENCH_SERVER;

/** Child mode: start one server and print its port. */
async function serve(kind: string): Promise<void> {
  let port: number;
  if (kind === "brigade-echo") {
    port = (await (await import("../examples/echo-server.js")).start(0)).port;
  } else if (kind === "brigade-http") {
    port = (await (await import("../examples/http-hello.js")).start(0)).port;
  } else if (kind === "node-echo") {
    const server = net.createServer({ allowHalfOpen: true }, (s) => {
      s.pipe(s);
      s.on("error", () => s.destroy());
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as net.AddressInfo).port;
  } else if (kind === "node-http") {
    const { handler } = await import("../examples/http-hello.js");
    const server = http.createServer((req, res) => {
      const { status, body } = handler(req.method ?? "", req.url ?? "");
      res.writeHead(status, {
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Length": Buffer.byteLength(body),
      });
      res.end(req.method === "HEAD" ? undefined : body);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as net.AddressInfo).port;
  } else {
    throw new Error(`unknown server kind ${kind}`);
  }
  process.stdout.write(`port ${port}\n`);
}

if (SERVER_KIND !== undefined) await serve(SERVER_KIND);

/** Start a server child (by default this file, through tsx); resolves with its port and the child. */
function startServer(
  kind: string,
  args = ["--import", "tsx", fileURLToPath(import.meta.url)],
): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, NET_BENCH_SERVER: kind },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /port (\d+)/.exec(out);
      if (m !== null) resolve({ port: Number(m[1]), child });
    });
    child.on("exit", (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
}

type Server = { port: number; child: ChildProcess };

/** Start servers one after another; if one fails to start, stop those already running. */
async function startServers<K extends string>(
  starts: Record<K, () => Promise<Server>>,
): Promise<Record<K, Server>> {
  const started = {} as Record<K, Server>;
  try {
    for (const key of Object.keys(starts) as K[]) started[key] = await starts[key]();
  } catch (e) {
    for (const s of Object.values<Server>(started)) s.child.kill();
    throw e;
  }
  return started;
}

/** The plain Node echo server, as JavaScript for `node -e` (the same server as "node-echo"). */
const NODE_ECHO_JS = `
const net = require("node:net");
const server = net.createServer({ allowHalfOpen: true }, (s) => {
  s.pipe(s);
  s.on("error", () => s.destroy());
});
server.listen(0, "127.0.0.1", () => process.stdout.write("port " + server.address().port + "\\n"));
`;

/**
 * The Node server again, except that each write happens in a microtask queued by the `'data'`
 * handler rather than inside it (backpressure as `pipe` does it: pause on a full buffer, resume on
 * `'drain'`). Any server driven by an executor writes this way: the read wakes a task, the task
 * runs after the handler returns. It shows what that deferral costs by itself, apart from Brigade.
 */
const NODE_DEFERRED_ECHO_JS = `
const net = require("node:net");
const server = net.createServer({ allowHalfOpen: true }, (s) => {
  s.on("data", (d) => queueMicrotask(() => {
    if (!s.write(d)) {
      s.pause();
      s.once("drain", () => s.resume());
    }
  }));
  s.on("end", () => queueMicrotask(() => s.end()));
  s.on("error", () => s.destroy());
});
server.listen(0, "127.0.0.1", () => process.stdout.write("port " + server.address().port + "\\n"));
`;

/**
 * The echo servers as plain JavaScript: Brigade's example bundled by esbuild (a dev dependency,
 * and tsx's own compiler; packages stay external), and the Node server above. `null` when esbuild
 * cannot be loaded.
 */
async function startPlainEchoServers(): Promise<{
  brigade: { port: number; child: ChildProcess };
  node: { port: number; child: ChildProcess };
  deferred: { port: number; child: ChildProcess };
} | null> {
  let esbuild: { build: (options: object) => Promise<unknown> };
  try {
    esbuild = (await import("esbuild" as string)) as typeof esbuild;
  } catch {
    return null;
  }
  // Under node_modules so that the bundle's external packages resolve from it.
  const out = fileURLToPath(
    new URL("../node_modules/.cache/brigade-bench/echo-server.mjs", import.meta.url),
  );
  await esbuild.build({
    entryPoints: [fileURLToPath(new URL("../examples/echo-server.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external",
    outfile: out,
    logLevel: "warning",
  });
  const startBrigade = `const { start } = await import(${JSON.stringify(pathToFileURL(out).href)});
const { port } = await start(0);
process.stdout.write("port " + port + "\\n");`;
  return startServers({
    brigade: () => startServer("plain brigade-echo", ["--input-type=module", "-e", startBrigade]),
    node: () => startServer("plain node-echo", ["-e", NODE_ECHO_JS]),
    deferred: () => startServer("plain deferred node-echo", ["-e", NODE_DEFERRED_ECHO_JS]),
  });
}

/** `connections` clients each send `bytes` and read them back. */
async function echoThroughput(port: number, connections: number, bytes: number): Promise<void> {
  const chunk = Buffer.alloc(64 * 1024, 7);
  await Promise.all(
    Array.from(
      { length: connections },
      () =>
        new Promise<void>((resolve, reject) => {
          const s = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
          let received = 0;
          let sent = 0;
          const pump = () => {
            while (sent < bytes) {
              sent += chunk.length;
              if (!s.write(chunk)) return;
            }
            s.end();
          };
          s.on("connect", pump);
          s.on("drain", pump);
          s.on("data", (d: Buffer) => {
            received += d.length;
          });
          s.on("end", () => {
            s.destroy();
            if (received === sent) resolve();
            else reject(new Error(`echo lost bytes: ${received} of ${sent}`));
          });
          s.on("error", reject);
        }),
    ),
  );
}

/** `connections` clients each do `rounds` ping-pongs of 64 bytes; returns every round trip (µs). */
async function echoLatencies(port: number, connections: number, rounds: number): Promise<number[]> {
  const all: number[] = [];
  const ping = Buffer.alloc(64, 1);
  await Promise.all(
    Array.from(
      { length: connections },
      () =>
        new Promise<void>((resolve, reject) => {
          const s = net.connect({ port, host: "127.0.0.1" });
          s.setNoDelay(true);
          let got = 0;
          let done = 0;
          let t0 = 0n;
          const send = () => {
            got = 0;
            t0 = process.hrtime.bigint();
            s.write(ping);
          };
          s.on("connect", send);
          s.on("data", (d: Buffer) => {
            got += d.length;
            if (got < ping.length) return;
            all.push(Number(process.hrtime.bigint() - t0) / 1000);
            if (++done === rounds) {
              s.destroy();
              resolve();
            } else send();
          });
          s.on("error", reject);
        }),
    ),
  );
  return all;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface AutocannonResult {
  errors: number;
  non2xx: number;
  requests: { total: number };
  latency: { p99: number };
}

export async function main(): Promise<void> {
  const servers = await startServers({
    brigadeEcho: () => startServer("brigade-echo"),
    nodeEcho: () => startServer("node-echo"),
    brigadeHttp: () => startServer("brigade-http"),
    nodeHttp: () => startServer("node-http"),
  });
  try {
    const MB = 1024 * 1024;
    const connections = 8;
    const perConnection = 8 * MB;
    const totalMb = (connections * perConnection) / MB;
    /**
     * Echo throughput of servers side by side (the first is Brigade's), recorded as MB/s. A run
     * takes well under a second, so many rounds are cheap; the first few are warm-up, since both
     * kinds of server (and the kernel's TCP state) take about five runs to reach a steady rate.
     */
    const echoCompare = async (title: string, label: string, ports: Record<string, number>) => {
      const names = Object.keys(ports);
      const tp = await compare(
        title,
        { ops: totalMb, unit: "ms per MB echoed", perOp: "ms", rounds: 15, warmup: 5 },
        names.map((name) => ({
          name,
          run: () => echoThroughput(ports[name]!, connections, perConnection),
        })),
      );
      record(
        label,
        "MB/s (from the medians)",
        Object.fromEntries(names.map((name) => [name, 1000 / tp.medians[name]!])),
      );
    };
    await echoCompare(
      `echo: ${connections} connections × ${perConnection / MB} MB there and back`,
      "echo throughput",
      { brigade: servers.brigadeEcho.port, "node-net": servers.nodeEcho.port },
    );

    const plain = await startPlainEchoServers();
    if (plain === null) console.log("echo as plain JavaScript: skipped (esbuild not found)");
    else {
      try {
        await echoCompare(
          `echo, servers as plain JavaScript (no tsx): ${connections} connections × ${perConnection / MB} MB`,
          "echo throughput, plain JavaScript",
          {
            brigade: plain.brigade.port,
            "node-net": plain.node.port,
            "node-net, write in a microtask": plain.deferred.port,
          },
        );
      } finally {
        plain.brigade.child.kill();
        plain.node.child.kill();
        plain.deferred.child.kill();
      }
    }

    const p99s: Record<string, number[]> = { brigade: [], "node-net": [] };
    const p50s: Record<string, number[]> = { brigade: [], "node-net": [] };
    for (let round = 0; round < 6; round++) {
      for (const [name, port] of [
        ["brigade", servers.brigadeEcho.port],
        ["node-net", servers.nodeEcho.port],
      ] as const) {
        const lat = await echoLatencies(port, 16, 500);
        if (round === 0) continue; // warm-up
        p99s[name]!.push(percentile(lat, 99));
        p50s[name]!.push(percentile(lat, 50));
      }
    }
    record("echo latency p50 (16 conns × 500 ping-pongs of 64 B)", "µs", {
      brigade: median(p50s.brigade!),
      "node-net": median(p50s["node-net"]!),
    });
    record("echo latency p99 (16 conns × 500 ping-pongs of 64 B)", "µs", {
      brigade: median(p99s.brigade!),
      "node-net": median(p99s["node-net"]!),
    });

    const { default: autocannon } = (await import("autocannon" as string)) as {
      default: (o: object) => Promise<AutocannonResult>;
    };
    const rps: Record<string, number[]> = { brigade: [], "node-http": [] };
    const httpP99: Record<string, number[]> = { brigade: [], "node-http": [] };
    let failures = 0;
    for (let round = 0; round < 4; round++) {
      for (const [name, port] of [
        ["brigade", servers.brigadeHttp.port],
        ["node-http", servers.nodeHttp.port],
      ] as const) {
        const r = await autocannon({
          url: `http://127.0.0.1:${port}/`,
          connections: 50,
          duration: 3,
        });
        failures += r.errors + r.non2xx;
        if (round === 0) continue; // warm-up
        rps[name]!.push(r.requests.total / 3);
        httpP99[name]!.push(r.latency.p99);
      }
    }
    record("http hello (autocannon, 50 conns, 3 s)", "requests/s", {
      brigade: median(rps.brigade!),
      "node-http": median(rps["node-http"]!),
    });
    record("http hello p99 latency", "ms", {
      brigade: median(httpP99.brigade!),
      "node-http": median(httpP99["node-http"]!),
    });
    if (failures > 0) console.log(`http: ${failures} failed requests`);
  } finally {
    for (const s of Object.values(servers)) s.child.kill();
  }
}
