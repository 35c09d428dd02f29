/**
 * Goroutines next door. The same order, written twice: in Brigade, each table a task that awaits
 * its timer; and as Go would write it, each table a goroutine that sleeps. The Brigade version is
 * run here; the Go version is shown. Their costs are not guessed: the table gives the numbers
 * measured in the project's performance study (ANCHORS.md), labelled with where they come from.
 */
import { asyncBlock, asyncFn } from "../../coroutine/async-fn.js";
import { JoinSet } from "../../task/join-set.js";
import { sleep } from "../../time/sleep.js";
import { defineScene } from "../scene.js";
import { clock } from "./recipes.js";

const CODE = `Brigade (runs below)                       Go (next door)
─────────────────────────────────────────  ──────────────────────────────────────
const serveTable = asyncFn(function* (n) {  func serveTable(n int, wg *sync.WaitGroup) {
  yield* sleep(n * 1000);                     defer wg.Done()
  say(\`table \${n} served\`);                   time.Sleep(time.Duration(n) * time.Second)
});                                           fmt.Printf("table %d served\\n", n)
                                            }
const tables = new JoinSet();
for (const n of [1, 2, 3])                  var wg sync.WaitGroup
  tables.spawn(serveTable(n));              for n := 1; n <= 3; n++ {
while (tables.size > 0)                       wg.Add(1)
  yield* tables.joinNext();                   go serveTable(n, &wg)
                                            }
                                            wg.Wait()`;

/** From /work/shared/ANCHORS.md (medians of 5 processes, 2026-11-25, a 2-core VM, Node 20.20, Go 1.19.8, tokio 1.24.2). */
const MEASURED = `Measured cost per task (source: ANCHORS.md, the project's performance study,
medians of 5 runs on 2026-11-25 on a 2-core VM; not measured by this scene):

                                   Go 1 proc   Go 2 procs   tokio (1 thread)   native Node
spawn + finish an empty task           893 ns       188 ns             103 ns        327 ns
a task parked on a channel           2,689 B      2,688 B              227 B         666 B
a task parked on a 10 s sleep        2,577 B      2,577 B            1,307 B         761 B

Brigade, measured by npm run bench (bench/core.bench.ts, bench/time.bench.ts) on 2026-11-26 on
the same kind of 2-core VM, medians of 5 rounds, native Node measured beside it in the same run:

                                   Brigade    native Node (same run)
spawn + finish an empty task        302 ns      275 ns
a task parked on a leaf future       306 B       624 B
a task parked on a 10 s sleep        322 B       744 B

A goroutine is stackful (it starts with its own small stack); a Brigade task is stackless (its
state is a generator and a few small objects). Run npm run bench for this machine's numbers.`;

export default defineScene({
  id: "goroutines",
  title: "Goroutines next door",
  blurb: "The same order as Go would write it, and what each kind of task costs, as measured.",
  takes: [
    {
      label: null,
      main: (k) =>
        asyncBlock(function* headChef() {
          k.show(CODE);
          const serveTable = asyncFn(function* serveTable(n: number) {
            yield* sleep(n * 1000);
            k.say(`🪑 table ${n} served at ${clock(k)}`);
          });
          const tables = new JoinSet<void>();
          for (const n of [1, 2, 3]) tables.spawn(serveTable(n), { name: `table ${n}` });
          while (tables.size > 0) yield* tables.joinNext();
          k.say("🐹 Go would print the same three lines at the same times; its scheduler");
          k.say(
            "   preempts goroutines, while a Brigade task gives the thread back only where a yield* has to wait.",
          );
          k.show(MEASURED);
        }),
    },
  ],
});
