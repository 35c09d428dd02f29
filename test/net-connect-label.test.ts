/** Dumps name a connect by its address as written, an IPv6 host in brackets. */
import { describe, expect, it } from "vitest";
import { DESCRIBE } from "../src/future/describe.js";
import { TcpStream } from "../src/net/tcp-stream.js";

describe("TcpStream.connect's label in dumps", () => {
  it("connect('[::1]:7000') is labelled with the address as written, brackets kept: TcpStream.connect([::1]:7000)", () => {
    const f = TcpStream.connect("[::1]:7000");
    const label = (f as unknown as { [DESCRIBE](): { label: string } })[DESCRIBE]().label;
    f[Symbol.dispose]();
    expect(label).toBe("TcpStream.connect([::1]:7000)");
  });
});
