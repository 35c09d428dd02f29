/**
 * The examples against hostile clients over loopback (Node's own sockets): a client that never
 * reads and then resets, a half-open client, a request trickled one byte at a time, lines far
 * longer than allowed, bytes that are not text, a body cut short, a reset before a word. Each
 * server must answer what it can, close what it must, keep serving the next client, and leave no
 * socket behind when stopped.
 */
import net from "node:net";
import { describe, expect, it } from "vitest";
import { start as startChat } from "../examples/chat-server.js";
import { start as startEcho } from "../examples/echo-server.js";
import { start as startHttp } from "../examples/http-hello.js";
import { netMetrics } from "../src/node.js";
import { expectNoSocketsLeft } from "./net-testkit.js";

expectNoSocketsLeft();

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Connect to `port`, run `act(socket)` once connected, and collect what arrives until the server
 * closes (or `ms` pass: then "TIMEOUT" and what arrived). A reset is reported as " ERR <code>".
 */
function client(
  port: number,
  act: (s: net.Socket) => void | Promise<void>,
  ms = 3000,
): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    let got = "";
    let err = "";
    s.setEncoding("latin1");
    s.on("data", (d: string) => {
      got += d;
    });
    s.on("error", (e) => {
      err = ` ERR ${(e as NodeJS.ErrnoException).code}`;
    });
    const timer = setTimeout(() => {
      s.destroy();
      resolve(`TIMEOUT ${got}${err}`);
    }, ms);
    s.on("close", () => {
      clearTimeout(timer);
      resolve(`${got}${err}`);
    });
    s.on("connect", () => void act(s));
  });
}

/** Sockets Brigade still has open, once they had (boundedly) the time to close. */
async function openSockets(): Promise<number> {
  for (let i = 0; i < 200 && netMetrics().liveSockets > 0; i++) await delay(10);
  return netMetrics().liveSockets;
}

const statusOf = (reply: string) => reply.slice(0, reply.indexOf("\r\n"));
const GET = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

describe("examples/http-hello.ts against hostile clients", () => {
  it("refuses a 100 KB line (431) and bytes that are not text (400), answers a trickled request and a half-open one, closes a cut-short body silently, survives resets, and still serves", async () => {
    const server = await startHttp(0);
    const p = server.port;
    try {
      const longLine = await client(p, (s) => void s.write(`GET /${"a".repeat(100_000)}`));
      const longHeader = await client(
        p,
        (s) => void s.write(`GET / HTTP/1.1\r\nX: ${"a".repeat(100_000)}`),
      );
      const notText = await client(
        p,
        (s) => void s.write(Buffer.from([0x47, 0x45, 0x54, 0x20, 0xff, 0xfe, 0x0d, 0x0a])),
      );
      const trickled = await client(p, async (s) => {
        for (const c of GET) {
          s.write(c);
          await delay(1);
        }
      });
      const halfOpen = await client(p, (s) => void s.end("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
      const cutShort = await client(
        p,
        (s) => void s.end("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"),
      );
      // Resets, before a word and in the middle of a head: the next client is still served.
      await client(p, (s) => void s.resetAndDestroy());
      await client(p, (s) => void s.write("GET / HTTP/1.1\r\nHo", () => s.resetAndDestroy()));
      const after = await client(p, (s) => void s.write(GET));
      expect({
        longLine: statusOf(longLine),
        longHeader: statusOf(longHeader),
        notText: statusOf(notText),
        trickled: statusOf(trickled),
        halfOpen: statusOf(halfOpen),
        cutShort,
        after: statusOf(after),
      }).toEqual({
        longLine: "HTTP/1.1 431 Request Header Fields Too Large",
        longHeader: "HTTP/1.1 431 Request Header Fields Too Large",
        notText: "HTTP/1.1 400 Bad Request",
        trickled: "HTTP/1.1 200 OK",
        halfOpen: "HTTP/1.1 200 OK",
        cutShort: "",
        after: "HTTP/1.1 200 OK",
      });
      expect(halfOpen.endsWith("Hello, world!\n")).toBe(true);
      // Every connection the server accepted is closed while it goes on listening.
      expect({ sockets: await openSockets(), listeners: netMetrics().liveListeners }).toEqual({
        sockets: 0,
        listeners: 1,
      });
    } finally {
      await server.stop();
    }
  });
});

describe("examples/echo-server.ts against hostile clients", () => {
  it("a client that sends 20 MB without reading and then resets, and a half-open client that never reads, leave the server serving; a half-open client that reads gets its bytes back", async () => {
    const server = await startEcho(0);
    const p = server.port;
    try {
      const flood = await client(p, async (s) => {
        s.pause(); // reads nothing: the echo backs up into the sender
        s.write(Buffer.alloc(20 << 20));
        await delay(200);
        s.resetAndDestroy();
      });
      const deaf = await client(p, async (s) => {
        s.pause();
        s.end(Buffer.alloc(20 << 20));
        await delay(200);
        s.destroy();
      });
      const halfOpen = await client(p, (s) => void s.end("hello"));
      expect({ flood, deaf, halfOpen }).toEqual({ flood: "", deaf: "", halfOpen: "hello" });
      expect(await openSockets()).toBe(0);
    } finally {
      await server.stop();
    }
  });
});

describe("examples/chat-server.ts against hostile clients", () => {
  it("a 1 MB name is refused and asked for again, bytes that are not text likewise, a reset in the prompt and a half-open client leave cleanly, and the others hear the joins and leaves", async () => {
    const server = await startChat(0);
    const p = server.port;
    try {
      const lines: string[] = [];
      const watcher = net.connect(p, "127.0.0.1");
      watcher.setEncoding("utf8");
      watcher.on("data", (d: string) => lines.push(...d.split("\n").filter((l) => l !== "")));
      watcher.write("watcher\n");
      await delay(50);
      const longName = await client(p, async (s) => {
        s.write("x".repeat(1 << 20));
        s.write("\nbob\n");
        await delay(100);
        s.end();
      });
      const notText = await client(p, async (s) => {
        s.write(Buffer.from([0xff, 0x0a]));
        await delay(50);
        s.resetAndDestroy();
      });
      const halfOpen = await client(p, (s) => void s.end("amy\nhello\n"));
      await delay(100);
      watcher.end();
      await new Promise((r) => watcher.on("close", r));
      const prompt = "Please enter your username:\n";
      expect({ longName, notText, halfOpen }).toEqual({
        longName: prompt + prompt,
        notText: prompt + prompt,
        halfOpen: prompt,
      });
      expect(lines).toEqual([
        "Please enter your username:",
        "bob has joined the chat",
        "bob has left the chat",
        "amy has joined the chat",
        "amy: hello",
        "amy has left the chat",
      ]);
      expect(await openSockets()).toBe(0);
    } finally {
      await server.stop();
    }
  });
});
