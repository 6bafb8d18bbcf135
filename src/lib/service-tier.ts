import { z } from "zod";

/**
 * How a provider processed a call. `standard` is the default; `batch` (asynchronous batch APIs),
 * `flex` (cheaper, slower, may be refused) and `priority` (dearer, faster) are priced separately
 * wherever the provider publishes a price, and never silently as standard.
 */
export const SERVICE_TIERS = ["standard", "batch", "flex", "priority"] as const;
export type ServiceTier = (typeof SERVICE_TIERS)[number];
/** Tiers priced by their own rows in the catalog (standard is the row itself). */
export const NON_STANDARD_TIERS = ["batch", "flex", "priority"] as const;
export type NonStandardTier = (typeof NON_STANDARD_TIERS)[number];

export const serviceTierSchema = z.enum(SERVICE_TIERS, {
  error: `serviceTier must be one of ${SERVICE_TIERS.map((t) => `"${t}"`).join(", ")}`,
});

/**
 * Maps what providers and SDKs report to a tier: OpenAI's `service_tier` answers "default",
 * "auto", "scale", "flex" or "priority"; batch results are tagged by the SDK. Unknown → null.
 */
export function normalizeServiceTier(raw: unknown): ServiceTier | null {
  if (typeof raw !== "string") return null;
  const v = raw.trim().toLowerCase();
  if (v === "default" || v === "auto" || v === "standard" || v === "scale" || v === "on_demand") return "standard";
  if (v === "batch" || v === "flex" || v === "priority") return v;
  return null;
}
