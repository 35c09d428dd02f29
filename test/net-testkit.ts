/**
 * Shared by the tests that open real sockets: wait until every socket and listener Brigade made
 * has closed, and check it after each test (a leaked handle fails the test that leaked it).
 */
import { afterEach, expect } from "vitest";
import { asyncBlock, run } from "../src/index.js";
import { netMetrics, TcpListener, TcpStream } from "../src/node.js";

/** Wait (boundedly) until every socket and listener handle has closed; the counts then. */
export async function settled(): Promise<{ liveSockets: number; liveListeners: number }> {
  for (let i = 0; i < 400; i++) {
    const m = netMetrics();
    if (m.liveSockets === 0 && m.liveListeners === 0) return m;
    await new Promise((r) => setTimeout(r, 5));
  }
  return netMetrics();
}

/** After each test of the calling file: no socket or listener is left open. */
export function expectNoSocketsLeft(): void {
  afterEach(async () => {
    expect(await settled()).toEqual({ liveSockets: 0, liveListeners: 0 });
  });
}

/** Run `body(client, server)` on a connected loopback pair; everything is closed afterwards. */
export function withPair<T>(
  body: (client: TcpStream, server: TcpStream) => Generator<any, T, any>,
) {
  return run(
    asyncBlock(function* () {
      const listener = yield* TcpListener.bind("127.0.0.1:0");
      const client = yield* TcpStream.connect(listener.localAddr());
      const server = yield* listener.accept();
      try {
        return yield* body(client, server);
      } finally {
        client[Symbol.dispose]();
        server[Symbol.dispose]();
        listener[Symbol.dispose]();
      }
    }),
  );
}
