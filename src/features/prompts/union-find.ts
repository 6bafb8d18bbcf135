// Connected components over near-duplicate edges (single linkage). Pure, for the clusters list.

/** Bigint-valued decimal ids compared numerically without BigInt allocation. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Maps every id of a component of two or more ids to its representative: the smallest id in the
 * component, so a cluster keeps its id while new variants join it (unless an older prompt joins).
 * An id alone in its component (no edge to another of `ids`) is left out: it is its own
 * representative. Most prompts of a window are alone, so only the ids the edges touch are mapped.
 */
export function components(ids: string[], edges: [string, string][]): Map<string, string> {
  const known = new Set(ids);
  const parent = new Map<string, string>();
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
    if (a === b || !known.has(a) || !known.has(b)) continue;
    if (!parent.has(a)) parent.set(a, a);
    if (!parent.has(b)) parent.set(b, b);
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) continue;
    // The smaller id becomes the root: it is then the representative with no extra pass.
    if (compareIds(ra, rb) < 0) parent.set(rb, ra);
    else parent.set(ra, rb);
  }
  const out = new Map<string, string>();
  for (const id of parent.keys()) out.set(id, find(id));
  return out;
}
