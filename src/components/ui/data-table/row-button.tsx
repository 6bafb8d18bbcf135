"use client";

import type { ReactNode } from "react";

/**
 * A cell's button that opens its row (drawer, side panel) from the keyboard; the click does not
 * also reach the row's own click handler.
 */
export function RowButton(props: { onOpen: () => void; className?: string; title?: string; label?: string; children: ReactNode }) {
  return (
    <button
      type="button"
      className={props.className ?? "link-button"}
      title={props.title}
      aria-label={props.label}
      onClick={(e) => {
        e.stopPropagation();
        props.onOpen();
      }}
    >
      {props.children}
    </button>
  );
}
