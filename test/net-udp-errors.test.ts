/**
 * UDP's failures, each typed and thrown at the future that awaits, never as an uncaught exception:
 * an address in use or not on this machine, a connected socket's peer that answers with ICMP "port
 * unreachable", a datagram too long, an address of the other IP family, sending the wrong way for
 * the socket's state; and bad arguments, refused at the call with errors that name the argument and
 * the rule.
 */
import { describe, expect, it } from "vitest";
import { asyncBlock, asyncFn, type Future, race, run, sleep } from "../src/index.js";
import { IoError, UdpSocket } from "../src/node.js";
import { expectNoSocketsLeft } from "./net-testkit.js";

expectNoSocketsLeft();

/** What a future failed with: `[kind, message]` of an IoError, else the error itself. */
const failure = asyncFn(function* (f: Future<unknown>) {
  try {
    yield* f;
    return "no error";
  } catch (e) {
    return e instanceof IoError ? [e.kind, e.message, e.code] : e;
  }
});

/** A port on 127.0.0.1 that nothing listens on now (a socket was bound there and closed). */
const deadPort = asyncFn(function* () {
  using s = yield* UdpSocket.bind("127.0.0.1:0");
  return s.localAddr().port;
});

describe("UDP errors", () => {
  it("binding a port another socket holds fails with AddrInUse, naming the address; the socket made for it is closed", async () => {
    const got = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        return [a.localAddr().port, yield* failure(UdpSocket.bind(a.localAddr()))];
      }),
    );
    const [port, error] = got as [number, unknown[]];
    expect(error).toEqual([
      "AddrInUse",
      `udp bind to 127.0.0.1:${port} failed: the address is already in use (bind EADDRINUSE 127.0.0.1:${port})`,
      "EADDRINUSE",
    ]);
  });

  it("binding an address that is not this machine's fails with AddrNotAvailable", async () => {
    const got = await run(
      asyncBlock(function* () {
        return yield* failure(UdpSocket.bind("192.0.2.1:0"));
      }),
    );
    expect((got as unknown[])[0]).toBe("AddrNotAvailable");
  });

  it("a connected socket sends to a port nobody listens on: the next recv fails with ConnectionRefused, once, and the socket goes on receiving", async () => {
    const got = await run(
      asyncBlock(function* () {
        const port = yield* deadPort();
        using client = yield* UdpSocket.bind("127.0.0.1:0");
        yield* client.connect(`127.0.0.1:${port}`);
        yield* client.send(new Uint8Array([1]));
        const error = yield* failure(client.recv(new Uint8Array(4)));
        // Reported once: the next recv waits (nothing more comes from the dead port).
        const next = yield* race(
          asyncBlock(function* () {
            yield* client.recv(new Uint8Array(4));
            return "received";
          }),
          asyncBlock(function* () {
            yield* sleep(30);
            return "waited";
          }),
        );
        // Still usable: a socket that comes to life on that port is heard.
        using peer = yield* UdpSocket.bind(`127.0.0.1:${port}`);
        yield* peer.sendTo(new Uint8Array([7]), client.localAddr());
        const buf = new Uint8Array(4);
        yield* client.recv(buf);
        return [error, next, buf[0], port];
      }),
    );
    const [error, next, byte, port] = got as [unknown[], string, number, number];
    expect(error[0]).toBe("ConnectionRefused");
    expect(error[1]).toMatch(
      new RegExp(
        `^udp socket 127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:${port}: receive failed: nothing is listening there \\(recvmsg ECONNREFUSED\\)$`,
      ),
    );
    expect([next, byte]).toEqual(["waited", 7]);
  });

  it("an ICMP error on a socket nobody reads is kept, not thrown into the event loop: the socket is disposed with it unread", async () => {
    const got = await run(
      asyncBlock(function* () {
        const port = yield* deadPort();
        using client = yield* UdpSocket.bind("127.0.0.1:0");
        yield* client.connect(`127.0.0.1:${port}`);
        yield* client.send(new Uint8Array([1]));
        yield* sleep(30); // the refusal comes back meanwhile; an uncaught one would fail the run
        return "still running";
      }),
    );
    expect(got).toBe("still running");
  });

  it("a datagram longer than UDP allows fails at its send with code EMSGSIZE; the next send goes through", async () => {
    const got = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        using b = yield* UdpSocket.bind("127.0.0.1:0");
        const error = yield* failure(a.sendTo(new Uint8Array(65_508), b.localAddr()));
        const n = yield* a.sendTo(new Uint8Array(3), b.localAddr());
        return [error, n];
      }),
    );
    const [error, n] = got as [unknown[], number];
    expect([error[0], error[2], n]).toEqual(["Other", "EMSGSIZE", 3]);
    expect(error[1]).toMatch(/^udp sendTo 127\.0\.0\.1:\d+ failed: send EMSGSIZE/);
  });

  it("an address of the other IP family fails with InvalidInput saying so, for sendTo and connect", async () => {
    const got = await run(
      asyncBlock(function* () {
        using v4 = yield* UdpSocket.bind("127.0.0.1:0");
        return [
          yield* failure(v4.sendTo(new Uint8Array(1), "[::1]:9")),
          yield* failure(v4.connect("[::1]:9")),
          v4.localAddr().port,
        ];
      }),
    );
    const [send, connect, port] = got as [unknown[], unknown[], number];
    const said = `udp socket 127.0.0.1:${port}: %s: ::1 is an IPv6 address and this socket is IPv4: bind a socket of that family`;
    expect(send).toEqual(["InvalidInput", said.replace("%s", "sendTo(bytes, addr)"), undefined]);
    expect(connect).toEqual(["InvalidInput", said.replace("%s", "connect(addr)"), undefined]);
  });

  it("send on a socket that is not connected fails with NotConnected, sendTo on a connected one with InvalidInput, and peerAddr without a peer with NotConnected", async () => {
    const got = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        using b = yield* UdpSocket.bind("127.0.0.1:0");
        const send = yield* failure(a.send(new Uint8Array(1)));
        let peer: unknown = null;
        try {
          a.peerAddr();
        } catch (e) {
          peer = (e as IoError).kind;
        }
        yield* a.connect(b.localAddr());
        const sendTo = yield* failure(a.sendTo(new Uint8Array(1), b.localAddr()));
        return [(send as unknown[])[0], (send as unknown[])[1], peer, (sendTo as unknown[])[0]];
      }),
    );
    expect(got[0]).toBe("NotConnected");
    expect(got[1]).toMatch(
      /send\(bytes\) on a socket that is not connected: connect\(addr\) first, or use sendTo\(bytes, addr\)$/,
    );
    expect(got.slice(2)).toEqual(["NotConnected", "InvalidInput"]);
  });

  it("sendTo a name that does not resolve fails at the send with code ENOTFOUND", async () => {
    const got = await run(
      asyncBlock(function* () {
        using a = yield* UdpSocket.bind("127.0.0.1:0");
        return yield* failure(a.sendTo(new Uint8Array(1), "nowhere.invalid:9"));
      }),
    );
    expect((got as unknown[])[2]).toBe("ENOTFOUND");
  });

  it("bad arguments are refused at the call, naming the argument and the rule", async () => {
    expect(() => UdpSocket.bind("nowhere")).toThrow(
      new TypeError(
        'UdpSocket.bind(addr): addr must look like "host:port" or "[ipv6]:port", got "nowhere"',
      ),
    );
    expect(() => UdpSocket.bind(70_000)).toThrow(RangeError);
    await run(
      asyncBlock(function* () {
        using s = yield* UdpSocket.bind("127.0.0.1:0");
        expect(() => s.sendTo("hello" as never, "127.0.0.1:9")).toThrow(
          new TypeError(
            "udp socket.sendTo(bytes, addr): bytes must be a Uint8Array (or Buffer), got string",
          ),
        );
        expect(() => s.sendTo(new Uint8Array(1), "127.0.0.1:0")).toThrow(
          new RangeError(
            "udp socket.sendTo(bytes, addr): addr: the port must be from 1 to 65535 to send there, got 0",
          ),
        );
        expect(() => s.connect({ host: "127.0.0.1", port: 0 })).toThrow(RangeError);
        expect(() => s.send(null as never)).toThrow(TypeError);
        expect(() => s.recvFrom(new ArrayBuffer(4) as never)).toThrow(
          new TypeError(
            "udp socket.recvFrom(buf): buf must be a Uint8Array (or Buffer), got object",
          ),
        );
        expect(() => s.recv(undefined as never)).toThrow(TypeError);
        expect(() => s.setTtl(0)).toThrow(
          new RangeError("udp socket.setTtl(ttl): ttl must be an integer from 1 to 255, got 0"),
        );
        expect(() => s.setTtl(256)).toThrow(RangeError);
        expect(() => s.setTtl(1.5)).toThrow(RangeError);
        expect(() => s.setTtl("8" as never)).toThrow(
          new TypeError("udp socket.setTtl(ttl): ttl must be a number, got string"),
        );
        expect(() => s.setBroadcast(1 as never)).toThrow(
          new TypeError("udp socket.setBroadcast(on): on must be a boolean, got number"),
        );
      }),
    );
  });

  it("setTtl and setBroadcast change what ttl() and broadcast() report; ttl() starts at the system's default", async () => {
    const got = await run(
      asyncBlock(function* () {
        using s = yield* UdpSocket.bind("127.0.0.1:0");
        const before = [s.ttl(), s.broadcast()];
        s.setTtl(7);
        s.setBroadcast(true);
        const after = [s.ttl(), s.broadcast()];
        s.setBroadcast(false);
        return [before, after, s.broadcast()];
      }),
    );
    const [[ttl, broadcast], after, off] = got as [[number, boolean], unknown[], boolean];
    expect(Number.isInteger(ttl) && ttl >= 1 && ttl <= 255).toBe(true);
    expect([broadcast, after, off]).toEqual([false, [7, true], false]);
  });
});
