import { Suspense, type ReactNode } from "react";
import { Sidebar } from "~/features/dashboard/components/shell/sidebar";
import { TRPCReactProvider } from "~/trpc/react";
import "./dashboard.css";

export default function DashboardLayout({ children }: { children: ReactNode }) {
  return (
    <TRPCReactProvider>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <div className="shell">
        <Suspense fallback={<aside className="sidebar" />}>
          <Sidebar />
        </Suspense>
        <main id="main" className="content" tabIndex={-1}>
          {children}
        </main>
      </div>
    </TRPCReactProvider>
  );
}
