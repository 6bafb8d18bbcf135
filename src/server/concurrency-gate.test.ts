import { describe, expect, it } from "vitest";
import { createConcurrencyGate } from "./concurrency-gate";

const tick = () => new Promise((r) => setTimeout(r, 1));

describe("createConcurrencyGate", () => {
  it("runs at most `limit` tasks at once, the rest in arrival order", async () => {
    const gate = createConcurrencyGate(2);
    let now = 0;
    let peak = 0;
    const started: number[] = [];
    const tasks = Array.from({ length: 7 }, (_, i) =>
      gate.run(async () => {
        started.push(i);
        now++;
        peak = Math.max(peak, now);
        await tick();
        now--;
        return i * 10;
      }),
    );
    expect(gate.stats).toEqual({ running: 2, waiting: 5 });
    expect(await Promise.all(tasks)).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(peak).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(gate.stats).toEqual({ running: 0, waiting: 0 });
  });

  it("frees the slot of a task that throws, and passes the error on", async () => {
    const gate = createConcurrencyGate(1);
    const failing = gate.run(async () => {
      await tick();
      throw new Error("boom");
    });
    const next = gate.run(() => Promise.resolve("ran"));
    await expect(failing).rejects.toThrow("boom");
    expect(await next).toBe("ran");
    expect(gate.stats).toEqual({ running: 0, waiting: 0 });
  });

  it("lets everything through with a limit of 0", async () => {
    const gate = createConcurrencyGate(0);
    let now = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 5 }, () =>
        gate.run(async () => {
          now++;
          peak = Math.max(peak, now);
          await tick();
          now--;
        }),
      ),
    );
    expect(peak).toBe(5);
  });
});
