// Display formatting happens at the edge; values stay exact decimal strings until here.

/** "1234.5678" → "$1,234.57" (rounded half-up on the decimal string, no float). */
export function formatUsd(decimal: string, fractionDigits = 2): string {
  const negative = decimal.startsWith("-");
  const [intPartRaw = "0", fracRaw = ""] = (negative ? decimal.slice(1) : decimal).split(".");
  const frac = fracRaw.padEnd(fractionDigits + 1, "0");
  let units = BigInt(intPartRaw + frac.slice(0, fractionDigits));
  if (Number(frac[fractionDigits] ?? "0") >= 5) units += 1n;
  const scale = 10n ** BigInt(fractionDigits);
  const whole = (units / scale).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cents = fractionDigits > 0 ? "." + (units % scale).toString().padStart(fractionDigits, "0") : "";
  return `${negative ? "-" : ""}$${whole}${cents}`;
}

export function formatInt(n: number): string {
  return n.toLocaleString("en-US");
}
