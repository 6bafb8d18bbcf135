// Connected components over near-duplicate edges (single linkage). Pure, for the clusters list.

/** Bigint-valued decimal ids compared numerically without BigInt allocation. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Maps every id to its component's representative: the smallest id in the component, so a
 * cluster keeps its id while new variants join it (unless an older prompt joins).
 */
export function components(ids: string[], edges: [string, string][]): Map<string, string> {
  const parent = new Map<string, string>(ids.map((id) => [id, id]));
  const find = (x: string): string => {
    let root = x;
    for (let p = parent.get(root); p !== undefined && p !== root; p = parent.get(root)) root = p;
    // Path compression keeps later finds O(α(n)); iterative, so deep chains cannot overflow the stack.
    let cur = x;
    while (cur !== root) {
      const next = parent.get(cur) ?? root;
      parent.set(cur, root);
      cur = next;
    }
    return root;
  };
  for (const [a, b] of edges) {
    if (!parent.has(a) || !parent.has(b)) continue;
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) continue;
    // The smaller id becomes the root: it is then the representative with no extra pass.
    if (compareIds(ra, rb) < 0) parent.set(rb, ra);
    else parent.set(ra, rb);
  }
  const out = new Map<string, string>();
  for (const id of ids) out.set(id, find(id));
  return out;
}
