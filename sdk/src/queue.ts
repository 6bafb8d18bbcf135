/**
 * A FIFO with a hard size limit that drops its oldest items when full. Array + head index, so
 * push and take are O(1) amortized (Array#shift is O(n) and the buffer can hold thousands).
 */
export class BoundedQueue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("capacity must be a positive integer");
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** Adds one item; returns how many old items were dropped to make room (0 or 1). */
  push(item: T): number {
    let dropped = 0;
    if (this.length >= this.capacity) {
      this.items[this.head] = undefined;
      this.head += 1;
      dropped = 1;
    }
    this.items.push(item);
    this.compact();
    return dropped;
  }

  /** Removes and returns up to `n` items from the front. */
  take(n: number): T[] {
    const end = Math.min(this.items.length, this.head + Math.max(0, n));
    const out: T[] = [];
    for (let i = this.head; i < end; i++) {
      const item = this.items[i];
      if (item !== undefined) out.push(item);
      this.items[i] = undefined;
    }
    this.head = end;
    this.compact();
    return out;
  }

  // Reclaims the dead prefix once it dominates, keeping memory proportional to the live items.
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    } else if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
  }
}
