/**
 * One reader (and one writer) at a time on a socket or a pipe end, as on a channel receiver
 * (src/channel/one-reader.ts): a second task that waits to read where another task's read waits
 * would take the only pager, and the first would sleep for good with its bytes buffered (a client
 * shared by two tasks). The second wait fails at once with a `FutureStateError` naming both tasks;
 * the first is still served. A read dropped before another task reads takes its wait back.
 */
import { describe, expect, it } from "vitest";
import {
  asyncBlock,
  mpsc,
  Runtime,
  race,
  receiverStream,
  run,
  StreamMap,
  sleep,
  spawn,
} from "../src/index.js";
import {
  BufReader,
  duplex,
  Framed,
  LinesCodec,
  read,
  readToEnd,
  TcpListener,
  TcpStream,
  writeAll,
} from "../src/node.js";
import { expectNoSocketsLeft } from "./net-testkit.js";
import { refusal } from "./one-reader-testkit.js";

expectNoSocketsLeft();

const bytes = (s: string) => new TextEncoder().encode(s);

describe("one reader at a time on sockets and pipes", () => {
  it("two tasks read one TcpStream: the second is refused, naming both, and the first gets the bytes", async () => {
    const out = await run(
      asyncBlock(function* () {
        using listener = yield* TcpListener.bind("127.0.0.1:0");
        using client = yield* TcpStream.connect(listener.localAddr());
        using server = yield* listener.accept();
        const first = spawn(read(client, new Uint8Array(8)), { name: "first reader" });
        yield* sleep(1);
        const second = spawn(read(client, new Uint8Array(8)), { name: "second reader" });
        const refused = yield* refusal(second);
        yield* writeAll(server, bytes("xy"));
        return { refused, n: yield* first };
      }),
      { clock: "paused" },
    );
    expect(out).toEqual({
      refused:
        "tcp stream read in task 'second reader': this socket is already waited on by task 'first reader' (a read there). A socket has one reader at a time: read in one task and hand what it reads on through a channel, or give each task a connection of its own",
      n: 2,
    });
  });

  it("two tasks wait on one Framed's next(): the second is refused, and the first gets its line", async () => {
    const out = await run(
      asyncBlock(function* () {
        const [a, b] = duplex(64);
        using lines = new Framed(b, new LinesCodec());
        const first = spawn(lines.next(), { name: "first" });
        yield* sleep(1);
        const second = spawn(lines.next(), { name: "second" });
        const refused = yield* refusal(second);
        yield* writeAll(a, bytes("one\n"));
        return { refused, line: yield* first };
      }),
      { clock: "paused" },
    );
    expect(out.refused).toMatch(
      /^duplex stream read in task 'second': this pipe end is already waited on by task 'first' \(a read there\)\./,
    );
    expect(out.line).toBe("one");
  });

  it("two tasks wait on one BufReader's lines(): the second is refused, and the lines go on for the first", async () => {
    const out = await run(
      asyncBlock(function* () {
        const [a, b] = duplex(64);
        const lines = new BufReader(b).lines();
        const first = spawn(lines.next(), { name: "first" });
        yield* sleep(1);
        const second = spawn(lines.next(), { name: "second" });
        const refused = yield* refusal(second);
        yield* writeAll(a, bytes("one\ntwo\n"));
        return { refused, lines: [yield* first, yield* lines.next()] };
      }),
      { clock: "paused" },
    );
    expect(out.refused).toMatch(/^duplex stream read in task 'second'/);
    expect(out.lines).toEqual(["one", "two"]);
  });

  it("two tasks wait for room on one full pipe end: the second writer is refused, and the first's bytes all arrive", async () => {
    const out = await run(
      asyncBlock(function* () {
        const [a, b] = duplex(4);
        const first = spawn(writeAll(a, new Uint8Array(8).fill(1)), { name: "first writer" });
        yield* sleep(1);
        const second = spawn(writeAll(a, new Uint8Array(8).fill(2)), { name: "second writer" });
        const refused = yield* refusal(second);
        const reader = spawn(readToEnd(b));
        yield* first;
        a[Symbol.dispose]();
        return { refused, got: [...(yield* reader)] };
      }),
      { clock: "paused" },
    );
    expect(out.refused).toMatch(
      /^duplex stream write in task 'second writer': this pipe end is already waited on by task 'first writer' \(a write there, waiting for room\)\. A pipe end has one writer at a time/,
    );
    expect(out.got).toEqual(new Array(8).fill(1));
  });

  it("a read dropped by a race takes its wait back: another task may then read the same end", async () => {
    const got = await run(
      asyncBlock(function* () {
        const [a, b] = duplex(64);
        const buf = new Uint8Array(4);
        // The first task's read loses a race and is dropped; the task lives on.
        const first = spawn(
          asyncBlock(function* () {
            yield* race(read(b, buf), sleep(5));
            yield* sleep(100);
          }),
          { name: "first" },
        );
        yield* sleep(10);
        const second = spawn(read(b, new Uint8Array(4)), { name: "second" });
        yield* sleep(1);
        yield* writeAll(a, bytes("hi"));
        const n = yield* second;
        yield* first;
        return n;
      }),
      { clock: "paused" },
    );
    expect(got).toBe(2);
  });

  it("a socket's lines in a StreamMap: a map.next() lost to a race takes back the socket's wait (ioWaits 0), and the stream, taken out and handed to another task, is read there", async () => {
    const out = await run(
      asyncBlock(function* () {
        using listener = yield* TcpListener.bind("127.0.0.1:0");
        using client = yield* TcpStream.connect(listener.localAddr());
        using server = yield* listener.accept();
        const map = new StreamMap<string, string>();
        map.insert("conn", new BufReader(client).lines());
        yield* race(map.next(), sleep(5)); // a select loop's command won
        const waitsAfterRace = Runtime.current().metrics().ioWaits;
        const lines = map.remove("conn")!;
        const b = spawn(
          asyncBlock(function* () {
            return yield* lines.next();
          }),
          { name: "B" },
        );
        yield* sleep(1);
        yield* writeAll(server, bytes("hello\n"));
        const line = yield* b;
        lines[Symbol.dispose]();
        return { waitsAfterRace, line };
      }),
    );
    expect(out).toEqual({ waitsAfterRace: 0, line: "hello" });
  });

  it("the same with an mpsc receiver stream in the map: the task handed it receives", async () => {
    const got = await run(
      asyncBlock(function* () {
        const [tx, rx] = mpsc.channel<string>(4);
        const map = new StreamMap<string, string>();
        map.insert("jobs", receiverStream(rx));
        yield* race(map.next(), sleep(5));
        const jobs = map.remove("jobs")!;
        const b = spawn(
          asyncBlock(function* () {
            return yield* jobs.next();
          }),
          { name: "B" },
        );
        yield* sleep(1);
        yield* tx.send("job 1");
        return yield* b;
      }),
    );
    expect(got).toBe("job 1");
  });
});
