/**
 * Bug hunt in how I/O failures and addresses are reported, against Rust's `std::io::ErrorKind` and
 * tokio's `ToSocketAddrs`: the kinds of connect failures, Node's message-less AggregateError, a
 * SocketAddr passed back to `connect`, and a port, capacity or backlog given as a string.
 */
import net from "node:net";
import { describe, expect, it } from "vitest";
import { asyncBlock, run } from "../src/index.js";
import { BufReader, IoError, TcpListener, TcpStream } from "../src/node.js";
import { expectNoSocketsLeft } from "./net-testkit.js";

expectNoSocketsLeft();

/** What a failed step threw, as `kind: message` for an IoError. */
function failure(e: unknown): string {
  return e instanceof IoError
    ? `${e.kind}: ${e.message}`
    : `${(e as Error).name}: ${(e as Error).message}`;
}

describe("connect and bind failures have the kinds Rust's std gives them", () => {
  it("a TCP connect to the broadcast address (the kernel refuses it at once with ENETUNREACH) fails with NetworkUnreachable, not Other", async () => {
    const failed = await run(
      asyncBlock(function* () {
        try {
          yield* TcpStream.connect("255.255.255.255:80");
          return null;
        } catch (e) {
          return e;
        }
      }),
    );
    expect(failed).toBeInstanceOf(IoError);
    expect(failed).toMatchObject({ kind: "NetworkUnreachable", code: "ENETUNREACH" });
  });

  it("Node's EACCES, EPERM, EHOSTUNREACH, ENETDOWN and ENOTFOUND become PermissionDenied, HostUnreachable, NetworkDown and NotFound, keeping the code", () => {
    const kinds = ["EACCES", "EPERM", "EHOSTUNREACH", "ENETDOWN", "ENOTFOUND"].map((code) => {
      const e = IoError.from(Object.assign(new Error(`listen ${code}`), { code }), "bind");
      return `${e.code} ${e.kind}`;
    });
    expect(kinds).toEqual([
      "EACCES PermissionDenied",
      "EPERM PermissionDenied",
      "EHOSTUNREACH HostUnreachable",
      "ENETDOWN NetworkDown",
      "ENOTFOUND NotFound",
    ]);
  });
});

describe("addresses", () => {
  it("connect(listener.localAddr()) reaches a listener bound to 127.0.0.2: the SocketAddr's ip is used, where it was ignored for 127.0.0.1 (refused)", async () => {
    const out = await run(
      asyncBlock(function* () {
        const listener = yield* TcpListener.bind("127.0.0.2:0");
        try {
          const client = yield* TcpStream.connect(listener.localAddr());
          const server = yield* listener.accept();
          try {
            return { listener: `${listener.localAddr()}`, clientPeer: `${client.peerAddr()}` };
          } finally {
            client[Symbol.dispose]();
            server[Symbol.dispose]();
          }
        } catch (e) {
          return { listener: `${listener.localAddr()}`, clientPeer: failure(e) };
        } finally {
          listener[Symbol.dispose]();
        }
      }),
    );
    expect(out.clientPeer).toBe(out.listener);
    expect(out.listener).toMatch(/^127\.0\.0\.2:\d+$/);
  });

  it("a port given as a string in { host, port } is refused with a TypeError that quotes it, where it read 'got 8080' as if 8080 were refused", () => {
    const bad = { host: "127.0.0.1", port: "8080" } as unknown as { port: number };
    expect(() => TcpStream.connect(bad)).toThrow(TypeError);
    expect(() => TcpStream.connect(bad)).toThrow(
      'TcpStream.connect(addr): addr: the port must be a number, got "8080"',
    );
    expect(() => TcpListener.bind({ port: undefined as unknown as number })).toThrow(
      "TcpListener.bind(addr): the port must be a number, got undefined",
    );
    // A number out of range is still a RangeError naming the rule.
    expect(() => TcpListener.bind({ port: 65536 })).toThrow(
      "TcpListener.bind(addr): the port must be an integer from 0 to 65535, got 65536",
    );
  });
});

describe("numbers given as strings", () => {
  it("a BufReader capacity or a listener backlog given as a string is a TypeError that quotes it, where the RangeError read 'got 8192' as if 8192 were refused", () => {
    const reader = { pollRead: () => 0 };
    expect(() => new BufReader(reader, "8192" as unknown as number)).toThrow(TypeError);
    expect(() => new BufReader(reader, "8192" as unknown as number)).toThrow(
      'new BufReader(inner, capacity): capacity must be a number, got "8192"',
    );
    expect(() => TcpListener.bind(0, { backlog: "10" as unknown as number })).toThrow(
      'TcpListener.bind options.backlog must be a number, got "10"',
    );
    // Numbers that break the rule are still RangeErrors naming it.
    expect(() => new BufReader(reader, 0)).toThrow(
      "new BufReader(inner, capacity): capacity must be an integer of at least 1, got 0",
    );
    expect(() => TcpListener.bind(0, { backlog: 1.5 })).toThrow(RangeError);
  });
});

describe("error messages", () => {
  it("a connect refused at every address of a name (Node's AggregateError, whose own message is empty) reads as each attempt's failure, with the kind and code of the first", async () => {
    // Node's own connect, with a lookup that gives two loopback addresses where nobody listens.
    const listener = net.createServer();
    await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
    const closedPort = (listener.address() as net.AddressInfo).port;
    await new Promise((r) => listener.close(r)); // the port is closed now: connects are refused
    const nodeError = await new Promise<Error>((resolve) => {
      const s = net.connect({
        host: "kitchen.test",
        port: closedPort,
        lookup: (_host, options, cb) => {
          const all = [
            { address: "127.0.0.1", family: 4 },
            { address: "127.0.0.2", family: 4 },
          ];
          if ((options as { all?: boolean }).all)
            (cb as (e: null, a: typeof all) => void)(null, all);
          else (cb as (e: null, a: string, f: number) => void)(null, "127.0.0.1", 4);
        },
      });
      s.on("error", resolve);
    });
    expect(nodeError.name).toBe("AggregateError");
    expect(nodeError.message).toBe("");
    const e = IoError.from(nodeError, `connect to kitchen.test:${closedPort}`);
    expect(e.kind).toBe("ConnectionRefused");
    expect(e.code).toBe("ECONNREFUSED");
    // Before the fix: "connect to kitchen.test:N failed: " and nothing after it.
    expect(e.message).toBe(
      `connect to kitchen.test:${closedPort} failed: nothing is listening there (connect ECONNREFUSED 127.0.0.1:${closedPort}; connect ECONNREFUSED 127.0.0.2:${closedPort})`,
    );
  });

  it("an error with no message and no attempts falls back to its code, then its name", () => {
    const coded = Object.assign(new Error(""), { code: "ECONNRESET" });
    expect(IoError.from(coded, "read").message).toBe(
      "read failed: the peer reset the connection (ECONNRESET)",
    );
    expect(IoError.from(new TypeError(""), "read").message).toBe("read failed: TypeError");
  });
});
