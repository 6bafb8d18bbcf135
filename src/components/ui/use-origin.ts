"use client";

import { useSyncExternalStore } from "react";

const subscribe = () => () => undefined;

/** This dashboard's origin in the browser (a stable placeholder while rendering on the server). */
export function useOrigin(): string {
  return useSyncExternalStore(subscribe, () => window.location.origin, () => "http://127.0.0.1:3000");
}
