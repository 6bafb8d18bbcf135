import type { ReactNode } from "react";
import "./auth.css";

// Sign-in and first-run setup: outside the dashboard shell, which needs a signed-in user.
export default function AuthLayout({ children }: { children: ReactNode }) {
  return <main className="auth-page">{children}</main>;
}
