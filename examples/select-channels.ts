/**
 * Go-style selection over channels: the pass takes whichever ticket comes first, orders from the
 * dining room or orders from the bar, and serves them all, none lost. `recv()` is cancel-safe (a
 * losing `recv()` has taken nothing), so a `select` in a loop never drops a message.
 *
 * The Go program this mirrors:
 *
 * ```go
 * func pass(dining, bar <-chan string, done chan<- []string) {
 *     var served []string
 *     for dining != nil || bar != nil {
 *         select {
 *         case t, ok := <-dining:
 *             if !ok { dining = nil; continue }   // a nil channel is never selected
 *             served = append(served, "dining: "+t)
 *         case t, ok := <-bar:
 *             if !ok { bar = nil; continue }
 *             served = append(served, "bar: "+t)
 *         }
 *     }
 *     done <- served
 * }
 *
 * func main() {
 *     dining, bar, done := make(chan string, 1), make(chan string, 1), make(chan []string)
 *     go pass(dining, bar, done)
 *     go func() { for _, d := range []string{"soup", "steak", "tart"} { dining <- d }; close(dining) }()
 *     go func() { for _, d := range []string{"negroni", "spritz"} { bar <- d }; close(bar) }()
 *     fmt.Println(len(<-done), "tickets served")
 * }
 * ```
 *
 * Run it: `npx tsx examples/select-channels.ts`.
 */
import { pathToFileURL } from "node:url";
import { asyncFn, mpsc, race, run, selectAll, spawn } from "../src/index.js";

/** Serve tickets from both rails until both are closed (the Go `pass` above). */
export const pass = asyncFn(function* pass(
  dining: mpsc.Receiver<string>,
  bar: mpsc.Receiver<string>,
) {
  const served: string[] = [];
  let diningOpen = true;
  let barOpen = true;
  while (diningOpen || barOpen) {
    // A closed rail's branch is left out (`undefined`), as Go never selects a nil channel. The
    // losing recv() is dropped, having taken nothing.
    const first = yield* race.named({
      dining: diningOpen ? dining.recv() : undefined,
      bar: barOpen ? bar.recv() : undefined,
    });
    if (first.value === undefined) {
      if (first.key === "dining") diningOpen = false;
      else barOpen = false;
      continue;
    }
    served.push(`${first.key}: ${first.value}`);
  }
  return served;
});

/** The same with `selectAll`, for any number of rails. */
export const passAll = asyncFn(function* passAll(rails: mpsc.Receiver<string>[]) {
  const served: string[] = [];
  const open = rails.map((_, i) => i);
  while (open.length > 0) {
    using first = yield* selectAll(open.map((i) => rails[i]!.recv()));
    if (first.value === undefined) open.splice(first.index, 1);
    else served.push(`rail ${open[first.index]}: ${first.value}`);
  }
  return served;
});

const feed = asyncFn(function* feed(tx: mpsc.Sender<string>, dishes: string[]) {
  using rail = tx; // closing the last sender closes the channel, like Go's close()
  for (const d of dishes) yield* rail.send(d);
});

/** Run both versions; returns what each served. */
export function main(): Promise<{ two: string[]; many: string[] }> {
  return run(
    asyncFn(function* () {
      const [diningTx, dining] = mpsc.channel<string>(1);
      const [barTx, bar] = mpsc.channel<string>(1);
      spawn(feed(diningTx, ["soup", "steak", "tart"]), { name: "dining room" });
      spawn(feed(barTx, ["negroni", "spritz"]), { name: "bar" });
      const two = yield* pass(dining, bar);

      const rails = [0, 1, 2].map(() => mpsc.channel<string>(1));
      rails.forEach(([tx], i) => {
        spawn(feed(tx, [`a${i}`, `b${i}`, `c${i}`]), { name: `rail ${i}` });
      });
      const many = yield* passAll(rails.map(([, rx]) => rx));
      return { two, many };
    })(),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { two, many } = await main();
  console.log(two.join("\n"));
  console.log(`${two.length} tickets served from two rails, ${many.length} from three`);
}
