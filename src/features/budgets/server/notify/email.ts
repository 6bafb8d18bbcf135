import "server-only";
import nodemailer from "nodemailer";
import { vetTarget } from "./target";
import type { PostResult } from "./http-post";

/**
 * Sends one message through the channel's SMTP server (smtp://user:pass@host:port, or smtps://
 * for TLS from the start). The host is vetted like webhook targets and the connection goes to the
 * vetted address, with the name kept for TLS.
 */
export async function sendMail(
  smtpUrl: string,
  mail: { from: string; to: string[]; subject: string; text: string },
  allowPrivate: boolean,
): Promise<PostResult> {
  const target = await vetTarget(smtpUrl, ["smtp:", "smtps:"], "SMTP URL", allowPrivate);
  if ("error" in target) return { statusCode: null, error: target.error };
  const { url: u, ...vetted } = target;
  const secure = u.protocol === "smtps:";
  const transport = nodemailer.createTransport({
    host: vetted.address,
    port: u.port === "" ? (secure ? 465 : 587) : Number(u.port),
    secure,
    ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
    tls: { servername: u.hostname },
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 10_000,
  });
  try {
    const info = (await transport.sendMail(mail)) as { response?: string };
    const code = Number(/^(\d{3})/.exec(info.response ?? "")?.[1] ?? 250);
    return { statusCode: code, error: null };
  } catch (err) {
    const code = (err as { responseCode?: unknown }).responseCode;
    return { statusCode: typeof code === "number" ? code : null, error: (err instanceof Error ? err.message : String(err)).slice(0, 200) };
  } finally {
    transport.close();
  }
}
