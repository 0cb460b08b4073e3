import { describe, expect, it } from "vitest";
import { formatTraceparent, parseTraceparent } from "../../eventstore/traceparent";
import { noticeWithTrace, parseNotice } from "../../readmodels/change-feed";

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const spanId = "00f067aa0ba902b7";

describe("the trace context an event carries (W3C traceparent)", () => {
  it("round-trips a span context, sampled or not", () => {
    for (const traceFlags of [0, 1]) {
      const text = formatTraceparent({ traceId, spanId, traceFlags });
      expect(text).toBe(`00-${traceId}-${spanId}-0${traceFlags}`);
      expect(parseTraceparent(text)).toEqual({ traceId, spanId, traceFlags });
    }
  });

  it("writes nothing for the invalid context of a span that is not traced, and reads nothing malformed", () => {
    expect(formatTraceparent({ traceId: "0".repeat(32), spanId: "0".repeat(16), traceFlags: 0 })).toBeNull();
    for (const bad of [
      undefined,
      42,
      "",
      `01-${traceId}-${spanId}-01`,
      `00-${"0".repeat(32)}-${spanId}-01`,
      `00-${traceId}-${"0".repeat(16)}-01`,
      `00-${traceId.toUpperCase()}-${spanId}-01`,
      `00-${traceId}-${spanId}-01-extra`,
    ]) {
      expect(parseTraceparent(bad), String(bad)).toBeNull();
    }
  });
});

describe("a change notice with and without a trace context", () => {
  it("is the position alone when the change was not traced, as notices always were", () => {
    expect(noticeWithTrace("12:3", null)).toBe("12:3");
    expect(parseNotice("12:3")).toEqual({ message: "12:3", traceparent: null });
  });

  it("carries the traceparent after a space, and reads back both parts", () => {
    const traceparent = `00-${traceId}-${spanId}-01`;
    const text = noticeWithTrace("12:3", traceparent);
    expect(text).toBe(`12:3 ${traceparent}`);
    expect(parseNotice(text)).toEqual({ message: "12:3", traceparent });
  });
});
