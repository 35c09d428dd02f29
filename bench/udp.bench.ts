/**
 * UDP ping-pong on loopback: 64-byte datagrams, one in flight at a time, between two sockets in
 * this process (the echo side answers each datagram with itself), two ways, interleaved, medians
 * with the ratio:
 *
 * - `brigade`: two `UdpSocket`s; the echo is a task looping `recvFrom` then `sendTo`; the client
 *   loops `send` then `recv` on a connected socket;
 * - `node`: two `node:dgram` sockets; the echo answers in its `'message'` listener; the client
 *   awaits a promise per round trip, resolved by its own `'message'` listener.
 *
 * Both go through the kernel twice per round trip, so the kernel's cost is in both; what differs
 * is how a datagram's arrival becomes the next send. Each variant checks every answer.
 *
 * Run: `node --expose-gc --import tsx bench/run.ts udp`. `BENCH_QUICK=1` for a smoke test.
 */
import { createSocket } from "node:dgram";
import { asyncBlock } from "../src/coroutine/async-fn.js";
import { UdpSocket } from "../src/net/udp-socket.js";
import { run } from "../src/runtime/runtime.js";
import { spawn } from "../src/task/spawn.js";
import { compare } from "./harness.js";

const QUICK = process.env.BENCH_QUICK === "1";
const ROUND_TRIPS = QUICK ? 2_000 : 20_000;
const SIZE = 64;

function brigade(): Promise<void> {
  return run(
    asyncBlock(function* () {
      using server = yield* UdpSocket.bind("127.0.0.1:0");
      using client = yield* UdpSocket.bind("127.0.0.1:0");
      const echo = spawn(
        asyncBlock(function* () {
          const buf = new Uint8Array(SIZE);
          for (let i = 0; i < ROUND_TRIPS; i++) {
            const [n, from] = yield* server.recvFrom(buf);
            yield* server.sendTo(buf.subarray(0, n), from);
          }
        }),
      );
      yield* client.connect(server.localAddr());
      const out = new Uint8Array(SIZE);
      const back = new Uint8Array(SIZE);
      for (let i = 0; i < ROUND_TRIPS; i++) {
        out[0] = i & 255;
        yield* client.send(out);
        const n = yield* client.recv(back);
        if (n !== SIZE || back[0] !== (i & 255)) throw new Error(`brigade: round trip ${i} lost`);
      }
      yield* echo;
    }),
    { onWarning: () => {} },
  );
}

async function node(): Promise<void> {
  const server = createSocket("udp4");
  const client = createSocket("udp4");
  server.on("message", (msg, rinfo) => server.send(msg, rinfo.port, rinfo.address));
  await new Promise<void>((resolve) => server.bind(0, "127.0.0.1", resolve));
  await new Promise<void>((resolve) => client.bind(0, "127.0.0.1", resolve));
  await new Promise<void>((resolve) => client.connect(server.address().port, "127.0.0.1", resolve));
  let answer: ((msg: Buffer) => void) | null = null;
  client.on("message", (msg) => answer?.(msg));
  const out = Buffer.alloc(SIZE);
  for (let i = 0; i < ROUND_TRIPS; i++) {
    out[0] = i & 255;
    const back = new Promise<Buffer>((resolve) => {
      answer = resolve;
    });
    client.send(out);
    const msg = await back;
    if (msg.length !== SIZE || msg[0] !== (i & 255)) throw new Error(`node: round trip ${i} lost`);
  }
  await new Promise<void>((resolve) => client.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export async function main(): Promise<void> {
  await compare(
    `UDP ping-pong of ${SIZE} B datagrams on loopback, ${ROUND_TRIPS} round trips`,
    { ops: ROUND_TRIPS, unit: "ns/round trip", rounds: QUICK ? 3 : 9 },
    [
      { name: "brigade", run: brigade },
      { name: "node", run: node },
    ],
  );
}
