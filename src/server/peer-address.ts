import "server-only";
import { channel, type Channel } from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";

// Route handlers get a Request without the socket address, and Next's server only
// fills X-Forwarded-For when the client sent none (`??=` in next/dist/server/base-server.js): a
// client that sends its own header hides its address, so a per-IP limit would be trivially spoofed.
// Node publishes every incoming request on the `http.server.request.start` diagnostics channel,
// synchronously and before the server's 'request' handler (Next) runs. There we append the peer
// address to X-Forwarded-For, as any reverse proxy does, so the last entry is always the TCP peer,
// and set PEER_HEADER (overwriting any client value) to prove to the rate limiter that this ran.

export const PEER_HEADER = "x-acp-peer";

type RequestStart = { request: IncomingMessage; socket: Socket };

function onRequestStart(message: unknown): void {
  const { request, socket } = message as RequestStart;
  const peer = socket.remoteAddress ?? "unknown";
  const sent = request.headers["x-forwarded-for"];
  const forwarded = Array.isArray(sent) ? sent.join(", ") : sent;
  request.headers["x-forwarded-for"] = forwarded ? `${forwarded}, ${peer}` : peer;
  request.headers[PEER_HEADER] = peer;
}

/** Installs the hook once per process; call it before the server handles requests (instrumentation). */
export function installPeerAddressHeader(): void {
  // Kept on globalThis: once per process (dev reloads modules), and a strong reference to the
  // channel so it can never be garbage-collected with its subscriber (older Node releases did).
  const g = globalThis as { acpPeerAddressChannel?: Channel };
  if (g.acpPeerAddressChannel) return;
  g.acpPeerAddressChannel = channel("http.server.request.start");
  g.acpPeerAddressChannel.subscribe(onRequestStart);
}
