import { describe, expect, it } from "vitest";
import { BoundedQueue } from "./queue.js";

describe("BoundedQueue", () => {
  it("keeps FIFO order and drops the oldest when full", () => {
    const q = new BoundedQueue<number>(3);
    expect([1, 2, 3].map((n) => q.push(n))).toEqual([0, 0, 0]);
    expect(q.push(4)).toBe(1);
    expect(q.length).toBe(3);
    expect(q.take(2)).toEqual([2, 3]);
    q.push(5);
    expect(q.take(10)).toEqual([4, 5]);
    expect(q.length).toBe(0);
    expect(q.take(1)).toEqual([]);
  });

  it("stays bounded under a long stream of pushes and takes", () => {
    const q = new BoundedQueue<number>(100);
    let dropped = 0;
    for (let i = 0; i < 50_000; i++) {
      dropped += q.push(i);
      if (i % 7 === 0) q.take(3);
    }
    expect(q.length).toBe(100);
    expect(q.take(1)).toEqual([49_900]);
    expect(dropped).toBeGreaterThan(0);
  });

  it("refuses a capacity below 1", () => {
    expect(() => new BoundedQueue(0)).toThrow(RangeError);
  });
});
