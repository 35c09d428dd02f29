/**
 * The bounds of `thrownDetail` (what a panic report prints for a thrown object), checked at their
 * edges: 200 characters of fields, 10 elements or keys a level, 50 values read, a byte view told by
 * its size, an error whose stack is empty, and the keys fallback when the fields are not JSON.
 */
import { describe, expect, it } from "vitest";
import { thrownDetail } from "../src/task/thrown.js";

describe("thrownDetail at its bounds", () => {
  it("fields of exactly 200 characters are printed whole; 201 are cut to 200 and an ellipsis", () => {
    // {"t":"…"} is 8 characters around the string.
    const exact = thrownDetail({ t: "x".repeat(192) });
    expect(exact).toBe(`a thrown object {"t":"${"x".repeat(192)}"}`);
    const over = thrownDetail({ t: "x".repeat(193) });
    // 201 characters of fields: the first 200 (all but the closing brace) and an ellipsis.
    expect(over).toBe(`a thrown object {"t":"${"x".repeat(193)}"…`);
  });

  it("an array of 10 elements is printed whole; one of 11 shows 10 and says 1 more", () => {
    const ten = Array.from({ length: 10 }, (_, i) => i);
    expect(thrownDetail({ a: ten })).toBe(`a thrown object {"a":[0,1,2,3,4,5,6,7,8,9]}`);
    expect(thrownDetail({ a: [...ten, 10] })).toBe(
      `a thrown object {"a":[0,1,2,3,4,5,6,7,8,9,"…1 more"]}`,
    );
  });

  it("an object of 10 keys is printed whole; one of 12 shows the first 10 and says 2 more", () => {
    const keys = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    const ten = '"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9';
    expect(thrownDetail(keys(10))).toBe(`a thrown object {${ten}}`);
    expect(thrownDetail(keys(12))).toBe(`a thrown object {${ten},"…":"2 more"}`);
  });

  it("reads at most 50 values of a deep object: a chain of 100 getters is read 50 times, not more", () => {
    let reads = 0;
    const level = (depth: number): object => ({
      get a() {
        reads++;
        return depth < 100 ? level(depth + 1) : 0;
      },
    });
    const detail = thrownDetail(level(1));
    expect(detail.startsWith('a thrown object {"a":{"a":{"a":')).toBe(true);
    expect(reads).toBeGreaterThan(0);
    expect(reads).toBeLessThanOrEqual(50);
  });

  it("a byte view is told by its type and size, not element by element", () => {
    expect(thrownDetail({ body: new Uint8Array(1000) })).toBe(
      'a thrown object {"body":"Uint8Array(1000 bytes)"}',
    );
  });

  it("a null field is printed as null", () => {
    expect(thrownDetail({ code: 7, cause: null })).toBe('a thrown object {"code":7,"cause":null}');
  });

  it("an error whose stack is empty is told as Name: message", () => {
    const e = new TypeError("cold soup");
    e.stack = "";
    expect(thrownDetail(e)).toBe("TypeError: cold soup");
  });

  it("when the fields are not JSON, the keys are listed: 10 whole, more with an ellipsis, none as (none)", () => {
    // A bigint cannot be written as JSON.
    const withBigint = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, BigInt(i)]));
    expect(thrownDetail(withBigint(10))).toBe(
      "a thrown object with keys k0, k1, k2, k3, k4, k5, k6, k7, k8, k9",
    );
    expect(thrownDetail(withBigint(11))).toBe(
      "a thrown object with keys k0, k1, k2, k3, k4, k5, k6, k7, k8, k9, …",
    );
    class Boom {
      toJSON(): never {
        throw new Error("no JSON here");
      }
    }
    expect(thrownDetail(new Boom())).toBe("a thrown Boom with keys (none)");
  });
});
