// Runs once when a Next server process starts: apply migrations and bootstrap before serving.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // First, before any request: the per-IP rate limits need the socket address (see the file).
  (await import("./server/peer-address")).installPeerAddressHeader();
  const { startServer } = await import("./startup/start-server");
  await startServer();
}
