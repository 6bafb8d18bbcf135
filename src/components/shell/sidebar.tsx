"use client";

import Link from "next/link";
import { usePathname, useSearchParams } from "next/navigation";
import type { ReactNode } from "react";
import { hrefWith, parseFilters } from "~/lib/filters";
import { ThemeToggle } from "./theme-toggle";

// href → label, in navigation order.
const NAV = Object.entries({
  "/": "Overview", "/events": "Events", "/features": "Features", "/models": "Models", "/prompts": "Prompts",
  "/users": "Users", "/breakdown": "Breakdown", "/budgets": "Budgets", "/alerts": "Alerts",
}).map(([href, label]) => ({ href, label }));

/**
 * Navigation keeps the current filters, so switching views keeps the question being asked.
 * The project switcher, the sign-out button and the alert badge belong to features: the layout passes them in.
 */
export function Sidebar({ projectSwitcher, signOut, alertBadge }: { projectSwitcher: ReactNode; signOut: ReactNode; alertBadge?: ReactNode }) {
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const filters = parseFilters(new URLSearchParams(searchParams.toString()));
  return (
    <aside className="sidebar">
      <Link href="/" prefetch={false} className="brand">
        <span className="brand-mark" aria-hidden="true">
          ◆
        </span>{" "}
        AI Cost Profiler
      </Link>
      {projectSwitcher}
      <nav aria-label="Main">
        <ul>
          {NAV.map((n) => (
            <li key={n.href}>
              <Link href={hrefWith(n.href, filters)} prefetch={false} aria-current={pathname === n.href ? "page" : undefined}>
                {n.label}
                {n.href === "/alerts" && alertBadge}
              </Link>
            </li>
          ))}
          <li className="nav-sep">
            <Link href="/settings" prefetch={false} aria-current={pathname === "/settings" ? "page" : undefined}>
              Settings
            </Link>
          </li>
        </ul>
      </nav>
      <div className="sidebar-foot">
        <ThemeToggle />
        {signOut}
      </div>
    </aside>
  );
}
