import { Suspense, type ReactNode } from "react";
import { Sidebar } from "~/components/shell/sidebar";
import { SignOutButton } from "~/features/auth";
import { AlertBadge } from "~/features/budgets";
import { ProjectSwitcher } from "~/features/settings";
import { requireSignedIn } from "~/server/auth/page-guard";
import { TRPCReactProvider } from "~/trpc/react";
import "./dashboard.css";

export default async function DashboardLayout({ children }: { children: ReactNode }) {
  // Signed-in users only (anonymous visitors go to sign-in, or to setup while no account exists).
  await requireSignedIn();
  return (
    <TRPCReactProvider>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <div className="shell">
        <Suspense fallback={<aside className="sidebar" />}>
          <Sidebar projectSwitcher={<ProjectSwitcher />} signOut={<SignOutButton />} alertBadge={<AlertBadge />} />
        </Suspense>
        <main id="main" className="content" tabIndex={-1}>
          {children}
        </main>
      </div>
    </TRPCReactProvider>
  );
}
