"use client";

import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { formatMoney, formatTime } from "~/lib/display";
import { exactValue, type ChartData } from "./chart-data";

// Eight distinguishable hues that keep contrast on light and dark backgrounds.
const COLORS = ["#6366f1", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444", "#a855f7", "#14b8a6", "#94a3b8"];

export function CostChart({ data, bucket }: { data: ChartData; bucket: "hour" | "day" }) {
  const labelPattern = bucket === "hour" ? "MMM d HH:mm" : "MMM d";
  return (
    <BarChart data={data.rows} responsive style={{ width: "100%", height: 280 }} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
      <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" vertical={false} />
      <XAxis dataKey="t" tickFormatter={(t: string) => formatTime(t, labelPattern)} stroke="var(--muted)" fontSize={12} minTickGap={24} />
      <YAxis stroke="var(--muted)" fontSize={12} width={64} tickFormatter={(v: number) => `$${v.toLocaleString("en-US", { maximumFractionDigits: 2 })}`} />
      <Tooltip
        cursor={{ fill: "var(--hover)" }}
        contentStyle={{ background: "var(--card)", border: "1px solid var(--border)", borderRadius: 8, color: "var(--fg)" }}
        labelFormatter={(t) => (typeof t === "string" ? formatTime(t, bucket === "hour" ? "MMM d, HH:mm 'UTC'" : "MMM d, yyyy") : "")}
        formatter={(_value, name, item) => {
          const t = (item.payload as { t?: unknown } | undefined)?.t;
          return typeof t === "string" && typeof name === "string" ? formatMoney(exactValue(data, t, name)) : "";
        }}
      />
      <Legend wrapperStyle={{ fontSize: 12 }} />
      {data.series.map((s, i) => (
        <Bar key={s} dataKey={s} stackId="cost" fill={COLORS[i % COLORS.length]} isAnimationActive={false} />
      ))}
    </BarChart>
  );
}
