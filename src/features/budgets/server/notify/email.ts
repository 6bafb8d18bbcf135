import "server-only";
import nodemailer from "nodemailer";
import { RefusedTarget, vetHost } from "./target";
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
  let u: URL;
  try {
    u = new URL(smtpUrl);
  } catch {
    return { statusCode: null, error: "invalid SMTP URL" };
  }
  if (u.protocol !== "smtp:" && u.protocol !== "smtps:") return { statusCode: null, error: "only smtp and smtps servers" };
  let vetted: { address: string };
  try {
    vetted = await vetHost(u.hostname, allowPrivate);
  } catch (err) {
    return { statusCode: null, error: err instanceof RefusedTarget ? err.message : `cannot resolve ${u.hostname}` };
  }
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
