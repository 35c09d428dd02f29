/**
 * Name options at their edges: a control character (C0, DEL, C1) or a line separator is refused
 * wherever it stands in the name (its first or last character too), and a Mutex's and an RwLock's
 * name is checked as the others' are.
 */
import { describe, expect, it } from "vitest";
import { Mutex, mpsc, Notify, RwLock, Semaphore } from "../src/index.js";

describe("name options at their edges", () => {
  it("a control character as the first or the last character of a name is refused", () => {
    expect(() => new Semaphore(1, { name: "\npool" })).toThrow(
      /^new Semaphore\(permits, options\): options\.name must not hold control characters/,
    );
    expect(() => new Notify({ name: "bell\n" })).toThrow(
      /^new Notify\(options\): options\.name must not hold control characters/,
    );
    expect(() => mpsc.channel(1, { name: "\t" })).toThrow(TypeError);
    // The same names without the control character are taken.
    expect(new Semaphore(1, { name: "pool" }).name).toBe("pool");
    expect(new Notify({ name: "bell" }).name).toBe("bell");
  });

  it("a Mutex's and an RwLock's name must be a string without control characters", () => {
    expect(() => new Mutex(0, { name: 5 as unknown as string })).toThrow(
      "new Mutex(value, options): options.name must be a string, got number",
    );
    expect(() => new RwLock(0, { name: "pan\try" })).toThrow(
      /^new RwLock\(value, options\): options\.name must not hold control characters/,
    );
    expect(() => new Mutex(0, null as unknown as {})).toThrow(
      "new Mutex(value, options): options must be an object, got null",
    );
    expect(new Mutex(0, { name: "pantry" }).name).toBe("pantry");
  });

  it("DEL, the C1 controls (NEL) and the line and paragraph separators are refused too", () => {
    for (const name of [
      "db\u007fpool",
      "db\u0085pool",
      "db\u009fpool",
      "db\u2028pool",
      "db\u2029pool",
    ]) {
      expect(() => new Semaphore(1, { name })).toThrow(/must not hold control characters/);
    }
    // Their neighbours are ordinary characters: a tilde, a non-breaking space, an ellipsis.
    for (const name of ["db~pool", "db\u00a0pool", "db\u2026pool"]) {
      expect(new Semaphore(1, { name }).name).toBe(name);
    }
  });
});
