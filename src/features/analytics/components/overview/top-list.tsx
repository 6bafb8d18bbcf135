"use client";

import Link from "next/link";
import { Money } from "~/components/ui/money";
import { Skeleton } from "~/components/ui/skeleton";
import { formatInt } from "~/lib/display";

export type TopRow = { key: string; name: React.ReactNode; calls: number; costUsd: string; href: string };

/** A short ranked table; each name opens Events filtered by it. */
export function TopList({ title, rows, moreHref, loading }: { title: string; rows: TopRow[]; moreHref: string; loading?: boolean }) {
  return (
    <section className="card" aria-labelledby={`top-${title}`}>
      <div className="card-head">
        <h2 id={`top-${title}`} className="label">
          {title}
        </h2>
        <Link href={moreHref} prefetch={false} className="small">
          View all
        </Link>
      </div>
      <table className="mini-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col" className="num">
              Calls
            </th>
            <th scope="col" className="num">
              Cost
            </th>
          </tr>
        </thead>
        <tbody>
          {loading
            ? Array.from({ length: 5 }, (_, i) => (
                <tr key={i}>
                  <td>
                    <Skeleton width="70%" />
                  </td>
                  <td className="num">
                    <Skeleton width={40} />
                  </td>
                  <td className="num">
                    <Skeleton width={60} />
                  </td>
                </tr>
              ))
            : rows.map((r) => (
                <tr key={r.key}>
                  <td>
                    <Link href={r.href} prefetch={false}>{r.name}</Link>
                  </td>
                  <td className="num">{formatInt(r.calls)}</td>
                  <td className="num">
                    <Money value={r.costUsd} />
                  </td>
                </tr>
              ))}
          {!loading && rows.length === 0 && (
            <tr>
              <td colSpan={3} className="muted">
                Nothing in this window.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
