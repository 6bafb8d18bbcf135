import type { CSSProperties } from "react";

/** A shimmering placeholder with the size of what will replace it (no layout shift). */
export function Skeleton({ width = "100%", height = 14, style }: { width?: number | string; height?: number | string; style?: CSSProperties }) {
  return <span className="skeleton" aria-hidden="true" style={{ width, height, ...style }} />;
}
