import type { Metadata } from "next";
import type { ReactNode } from "react";
import { THEME_SCRIPT } from "~/lib/theme";
import "./globals.css";

export const metadata: Metadata = {
  title: "AI Cost Profiler",
  description: "Where your LLM money goes — by feature, model, prompt and time.",
  icons: { icon: [{ url: "/icon.svg", type: "image/svg+xml" }], shortcut: "/favicon.ico" },
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    // The theme script sets data-theme before hydration; React must not "correct" it.
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body>{children}</body>
    </html>
  );
}
