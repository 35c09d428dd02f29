/**
 * A line-based chat server, after the tokio tutorial's classic (tokio/examples/chat.rs): each
 * client is asked for a name, then every line it sends goes to every other client, with
 * "<name> has joined" and "<name> has left" notices.
 *
 * One task per client, its socket framed as lines (`Framed` with a `LinesCodec`, as chat.rs does).
 * Each client has its own mailbox (an unbounded mpsc channel) in a shared directory; a client task
 * waits for whichever comes first, a line from its socket or a message in its mailbox
 * (`race.named`, tokio's `select!`: both `lines.next()` and `recv()` are cancellation safe, so the
 * loser, dropped, loses nothing). A slow client only fills its own mailbox, never slows the others
 * down.
 *
 * Run it: `npx tsx examples/chat-server.ts 6142`, then `nc 127.0.0.1 6142` in a few terminals.
 */
import { pathToFileURL } from "node:url";
import {
  asyncFn,
  DONE,
  type Future,
  mpsc,
  type RaceWinner,
  Runtime,
  race,
  spawn,
} from "../src/index.js";
import {
  CodecError,
  ctrlC,
  Framed,
  IoError,
  LinesCodec,
  TcpListener,
  type TcpStream,
} from "../src/node.js";

/** The directory of connected clients: their mailboxes by id. */
class Room {
  private readonly peers = new Map<number, mpsc.UnboundedSender<string>>();
  private nextId = 1;

  join(mailbox: mpsc.UnboundedSender<string>): number {
    const id = this.nextId++;
    this.peers.set(id, mailbox);
    return id;
  }

  leave(id: number): void {
    this.peers.get(id)?.close();
    this.peers.delete(id);
  }

  /** Send `message` to everyone but `from`. */
  broadcast(from: number, message: string): void {
    for (const [id, mailbox] of this.peers) if (id !== from) mailbox.send(message);
  }
}

/** One client, from greeting to goodbye. */
const client = asyncFn(function* (conn: TcpStream, room: Room) {
  // A line longer than 64 KiB is refused (and skipped), not gathered in memory whole.
  const lines = new Framed(conn, new LinesCodec({ maxLength: 64 * 1024 }));
  const [mailbox, inbox] = mpsc.unboundedChannel<string>();
  let id = 0;
  let name: string | typeof DONE = DONE;
  try {
    yield* lines.send("Please enter your username:");
    // A name that is not text (or too long) is asked for again, as any later line is skipped.
    for (;;) {
      try {
        name = yield* lines.next();
        break;
      } catch (e) {
        if (!(e instanceof CodecError)) throw e;
        yield* lines.send("Please enter your username:");
      }
    }
    if (name === DONE) return;
    id = room.join(mailbox);
    room.broadcast(id, `${name} has joined the chat`);
    for (;;) {
      let first: RaceWinner<{
        line: Future<string | typeof DONE>;
        message: Future<string | undefined>;
      }>;
      try {
        first = yield* race.named({ line: lines.next(), message: inbox.recv() });
      } catch (e) {
        // A line that is not UTF-8, or too long, is skipped (the stream goes on with the next
        // one), as tokio's chat logs a decoding error and keeps the client.
        if (e instanceof CodecError) continue;
        throw e;
      }
      if (first.key === "line") {
        if (first.value === DONE) return; // the client hung up
        room.broadcast(id, `${name}: ${first.value}`);
      } else {
        if (first.value === undefined) return;
        yield* lines.send(first.value);
      }
    }
  } catch (e) {
    // A client that hangs up abruptly (a reset) leaves the room like any other.
    if (!(e instanceof IoError)) throw e;
  } finally {
    if (id !== 0) {
      room.leave(id);
      room.broadcast(id, `${String(name)} has left the chat`);
    }
    inbox[Symbol.dispose]();
    lines[Symbol.dispose](); // closes the socket
  }
});

/** Accept clients forever into one room. */
export const serveChat = asyncFn(function* (listener: TcpListener) {
  const room = new Room();
  try {
    for (;;) spawn(client(yield* listener.accept(), room));
  } finally {
    listener[Symbol.dispose]();
  }
});

/** Start on 127.0.0.1:`port` (0: any free port). `stop()` closes the listener and every client. */
export async function start(port = 0): Promise<{ port: number; stop: () => Promise<void> }> {
  const rt = new Runtime();
  const listener = await rt.spawn(TcpListener.bind({ host: "127.0.0.1", port }));
  rt.spawn(serveChat(listener), { name: "chat accept loop" });
  return { port: listener.localAddr().port, stop: () => rt.shutdown() };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const rt = new Runtime();
  const listener = await rt.spawn(TcpListener.bind({ port: Number(process.argv[2] ?? 6142) }));
  console.log(`chat server on ${listener.localAddr()}; Ctrl-C to stop`);
  // race, not select: the accept loop that loses is dropped, which closes the listener.
  await rt.spawn(race(serveChat(listener), ctrlC()));
  await rt.shutdown();
}
