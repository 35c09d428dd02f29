/**
 * The one-call helpers (`readFile`, `writeFile`, `readToString`, `metadata`, `createDirAll`,
 * `removeFile`, `removeDirAll`, `rename`, `copyFile`), `readDir` as a stream, `OpenOptions`' rules,
 * the `IoError` kind of each failure the file system reports, and the typed errors of bad
 * arguments. Real files in a temporary directory.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { asyncBlock, DONE, type Future, race, run, sleep } from "../src/index.js";
import {
  copyFile,
  createDir,
  createDirAll,
  File,
  fsMetrics,
  IoError,
  metadata,
  openOptions,
  readDir,
  readFile,
  readToEnd,
  readToString,
  removeDir,
  removeDirAll,
  removeFile,
  rename,
  SeekFrom,
  symlinkMetadata,
  writeFile,
} from "../src/node.js";

let dir = "";
let n = 0;
const fresh = (name = "f") => join(dir, `${name}-${n++}`);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "brigade-fs-helpers-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function handlesClosed(): Promise<{ openFiles: number; openDirs: number }> {
  for (let i = 0; i < 400; i++) {
    const m = fsMetrics();
    if (m.openFiles === 0 && m.openDirs === 0) return m;
    await new Promise((r) => setTimeout(r, 5));
  }
  return fsMetrics();
}
afterEach(async () => {
  expect(await handlesClosed()).toEqual({ openFiles: 0, openDirs: 0 });
});

/** Run `future` and give back what it threw (or fail the test if it did not throw). */
async function failure(future: Future<unknown>): Promise<IoError> {
  const outcome = await run(
    asyncBlock(function* () {
      try {
        const v = yield* future;
        return { threw: false as const, v };
      } catch (e) {
        return { threw: true as const, e };
      }
    }),
  );
  if (!outcome.threw) throw new Error(`expected a failure, got ${String(outcome.v)}`);
  expect(outcome.e).toBeInstanceOf(IoError);
  return outcome.e as IoError;
}

describe("one-call helpers", () => {
  it("writeFile then readFile and readToString give back the bytes and the text", async () => {
    const path = fresh();
    const r = await run(
      asyncBlock(function* () {
        yield* writeFile(path, "crème brûlée\n");
        const bytes = yield* readFile(path);
        const text = yield* readToString(path);
        yield* writeFile(path, Uint8Array.of(1, 2, 3)); // truncates the longer text
        return { bytes: bytes.length, text, after: [...(yield* readFile(path))] };
      }),
    );
    expect(r).toEqual({ bytes: 16, text: "crème brûlée\n", after: [1, 2, 3] }); // è, û, é: 2 bytes each
  });

  it("readToString refuses bytes that are not UTF-8 with InvalidData, naming the path", async () => {
    const path = fresh();
    writeFileSync(path, Uint8Array.of(0x66, 0xff, 0x66));
    const e = await failure(readToString(path));
    expect(e.kind).toBe("InvalidData");
    expect(e.message).toBe(
      `readToString(${JSON.stringify(path)}) failed: the file is not valid UTF-8`,
    );
  });

  it("createDirAll makes every parent, is a no-op the second time, and metadata sees a directory", async () => {
    const deep = join(fresh("tree"), "a", "b", "c");
    const isDir = await run(
      asyncBlock(function* () {
        yield* createDirAll(deep);
        yield* createDirAll(deep);
        return (yield* metadata(deep)).isDirectory();
      }),
    );
    expect(isDir).toBe(true);
  });

  it("rename moves a file, copyFile copies it and returns its length, removeFile deletes it", async () => {
    const a = fresh("a");
    const b = fresh("b");
    const c = fresh("c");
    writeFileSync(a, "0123456789");
    const copied = await run(
      asyncBlock(function* () {
        yield* rename(a, b);
        const count = yield* copyFile(b, c);
        yield* removeFile(b);
        return count;
      }),
    );
    expect(copied).toBe(10);
    expect([existsSync(a), existsSync(b), readFileSync(c, "utf8")]).toEqual([
      false,
      false,
      "0123456789",
    ]);
  });

  it("removeDirAll removes a tree; removeDir refuses a full directory with DirectoryNotEmpty", async () => {
    const root = fresh("tree");
    mkdirSync(join(root, "x", "y"), { recursive: true });
    writeFileSync(join(root, "x", "y", "z"), "z");
    const e = await failure(removeDir(root));
    expect(e.kind).toBe("DirectoryNotEmpty");
    await run(removeDirAll(root));
    expect(existsSync(root)).toBe(false);
  });

  it("removeDirAll on a file fails with NotADirectory and leaves the file", async () => {
    const path = fresh();
    writeFileSync(path, "keep");
    const e = await failure(removeDirAll(path));
    expect(e.kind).toBe("NotADirectory");
    expect(e.message).toContain(`removeDirAll(${JSON.stringify(path)})`);
    expect(readFileSync(path, "utf8")).toBe("keep");
  });

  it("symlinkMetadata sees the link where metadata follows it; file: URLs are paths too", async () => {
    const target = fresh("target");
    const link = fresh("link");
    writeFileSync(target, "abc");
    symlinkSync(target, link);
    const r = await run(
      asyncBlock(function* () {
        const followed = yield* metadata(pathToFileURL(link));
        const itself = yield* symlinkMetadata(link);
        return [followed.isFile(), followed.len, itself.isSymlink(), itself.isFile()];
      }),
    );
    expect(r).toEqual([true, 3, true, false]);
  });
});

describe("readDir", () => {
  it("lists every entry with its path and type, then ends and closes the directory", async () => {
    const root = fresh("list");
    mkdirSync(join(root, "sub"), { recursive: true });
    writeFileSync(join(root, "a.txt"), "");
    writeFileSync(join(root, "b.txt"), "");
    const r = await run(
      asyncBlock(function* () {
        // Not disposed: reaching the end must close the directory by itself.
        const entries = readDir(root);
        const seen: string[] = [];
        for (let e = yield* entries.next(); e !== DONE; e = yield* entries.next()) {
          expect(e.path).toBe(join(root, e.name));
          seen.push(`${e.name}:${e.isDirectory() ? "dir" : e.isFile() ? "file" : "?"}`);
        }
        return { seen: seen.sort(), again: yield* entries.next() };
      }),
    );
    expect(r.seen).toEqual(["a.txt:file", "b.txt:file", "sub:dir"]);
    expect(r.again).toBe(DONE);
    expect(await handlesClosed()).toEqual({ openFiles: 0, openDirs: 0 });
  });

  it("an empty directory ends at once; a missing one throws NotFound once, then ends", async () => {
    const empty = fresh("empty");
    mkdirSync(empty);
    const missing = fresh("missing");
    const r = await run(
      asyncBlock(function* () {
        const none = yield* readDir(empty).collect();
        const s = readDir(missing);
        let kind = "";
        try {
          yield* s.next();
        } catch (e) {
          kind = (e as IoError).kind;
        }
        return { none, kind, after: yield* s.next() };
      }),
    );
    expect(r).toEqual({ none: [], kind: "NotFound", after: DONE });
  });
});

describe("errors as IoError kinds", () => {
  it("File.open of a missing file is NotFound, naming the call and the path", async () => {
    const path = fresh("nope");
    const e = await failure(File.open(path));
    expect(e.kind).toBe("NotFound");
    expect(e.code).toBe("ENOENT");
    expect(e.message.startsWith(`File.open(${JSON.stringify(path)}) failed: ENOENT`)).toBe(true);
  });

  it("File.createNew of an existing file is AlreadyExists", async () => {
    const path = fresh();
    writeFileSync(path, "");
    expect((await failure(File.createNew(path))).kind).toBe("AlreadyExists");
  });

  it("reading a directory opened as a file is IsADirectory, naming the path", async () => {
    const d = fresh("d");
    mkdirSync(d);
    const e = await failure(
      asyncBlock(function* () {
        using f = yield* File.open(d);
        return yield* readToEnd(f);
      }),
    );
    expect(e.kind).toBe("IsADirectory");
    expect(e.message).toContain(`read of ${JSON.stringify(d)}`);
  });

  it("a path through a file is NotADirectory; a mkdir over a file is AlreadyExists", async () => {
    const file = fresh();
    writeFileSync(file, "");
    expect((await failure(readFile(join(file, "inside")))).kind).toBe("NotADirectory");
    expect((await failure(createDir(file))).kind).toBe("AlreadyExists");
  });

  it("maps each file-system code Node reports to the kind Rust's std gives it", () => {
    // As root, permissions cannot be provoked on a real file: the mapping is checked directly.
    const kinds = Object.fromEntries(
      ["EACCES", "EPERM", "EROFS", "ENOSPC", "EFBIG", "EBUSY", "EXDEV", "ENAMETOOLONG", "EIO"].map(
        (code) => [
          code,
          IoError.from(Object.assign(new Error(`${code}: it failed`), { code }), 'readFile("/x")')
            .kind,
        ],
      ),
    );
    expect(kinds).toEqual({
      EACCES: "PermissionDenied",
      EPERM: "PermissionDenied",
      EROFS: "ReadOnlyFilesystem",
      ENOSPC: "StorageFull",
      EFBIG: "FileTooLarge",
      EBUSY: "ResourceBusy",
      EXDEV: "CrossesDevices",
      ENAMETOOLONG: "InvalidFilename",
      EIO: "Other",
    });
  });

  it("a name longer than the file system allows is InvalidFilename, from the OS itself", async () => {
    expect((await failure(readFile(join(dir, "x".repeat(300))))).kind).toBe("InvalidFilename");
  });
});

describe("OpenOptions rules and bad arguments", () => {
  it("refuses combinations that std refuses, with an InvalidInput IoError before any I/O", () => {
    const path = fresh();
    expect(() => openOptions().open(path)).toThrow(/nothing to open the file for/);
    expect(() => openOptions().read(true).create(true).open(path)).toThrow(
      /create, truncate and createNew need write\(true\) or append\(true\)/,
    );
    expect(() => openOptions().append(true).truncate(true).open(path)).toThrow(
      /cannot truncate\(true\) as well/,
    );
    try {
      openOptions().open(path);
    } catch (e) {
      expect((e as IoError).kind).toBe("InvalidInput");
    }
    expect(existsSync(path)).toBe(false);
  });

  it("createNew with append creates the file and writes at its end", async () => {
    const path = fresh();
    await run(
      asyncBlock(function* () {
        using f = yield* openOptions().append(true).createNew(true).mode(0o600).open(path);
        yield* f.seek(SeekFrom.end(0));
      }),
    );
    expect(existsSync(path)).toBe(true);
  });

  it("names the argument and the rule when given a wrong type or range", () => {
    expect(() => readFile(42 as never)).toThrow(
      new TypeError("readFile(path): path must be a string or a file: URL, got number"),
    );
    expect(() => metadata("a\0b")).toThrow(TypeError);
    expect(() => rename("a", null as never)).toThrow(/rename\(from, to\): to must be/);
    expect(() => writeFile("x", 5 as never)).toThrow(/writeFile\(path, data\): data must be/);
    expect(() => readDir(new URL("http://example.com/") as never)).toThrow(/got a http: URL/);
    expect(() => openOptions().read("yes" as never)).toThrow(
      new TypeError("OpenOptions.read(on): on must be a boolean, got string"),
    );
    expect(() => openOptions().mode(0o10000)).toThrow(RangeError);
    expect(() => SeekFrom.start(-1)).toThrow(RangeError);
    expect(() => SeekFrom.end(1.5)).toThrow(/whole number of bytes/);
  });

  it("a File refuses a negative setLen, a bad seek and a zero max buffer", async () => {
    const path = fresh();
    writeFileSync(path, "");
    await run(
      asyncBlock(function* () {
        using f = yield* File.open(path);
        expect(() => f.setLen(-1)).toThrow(/File.setLen\(size\): size must be .* at least 0/);
        expect(() => f.seek({ whence: "middle" } as never)).toThrow(TypeError);
        expect(() => f.setMaxBufSize(0)).toThrow(RangeError);
      }),
    );
  });
});

describe("writeFile dropped", () => {
  it("a writeFile dropped mid-way still writes the whole file, as tokio's fs::write does (stopping it would leave it emptied)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "brigade-writefile-"));
    try {
      const p = join(dir, "menu.txt");
      writeFileSync(p, "old menu");
      const big = new Uint8Array(32 << 20).fill(65);
      await run(
        asyncBlock(function* () {
          yield* race(writeFile(p, big), sleep(1));
        }),
      );
      // The write goes on after the drop: wait for it (real time: the disk is outside the program).
      let len = 0;
      for (let i = 0; i < 500 && len !== big.length; i++) {
        await new Promise((r) => setTimeout(r, 10));
        len = statSync(p).size;
      }
      expect(len).toBe(big.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
