// A minimal OpenID Connect provider on loopback for tests: discovery, an authorize endpoint that
// approves at once, a token endpoint that checks the client secret and PKCE and signs an RS256 id
// token, JWKS and userinfo. Enough to drive Better Auth's real OIDC code path end to end.
import { createHash, createSign, generateKeyPairSync, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/** `user` is who the next sign-in returns (a test may change it between flows). */
export type OidcStub = { issuer: string; clientId: string; clientSecret: string; tokenCalls: number; user: StubUser; close: () => Promise<void> };
export type StubUser = { sub: string; email: string; name: string };

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

export async function startOidcStub(user: StubUser): Promise<OidcStub> {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: "jwk" }), kid: "stub-key", alg: "RS256", use: "sig" };
  const clientId = "profiler-test";
  const clientSecret = randomBytes(16).toString("hex");
  const codes = new Map<string, { challenge: string | null; nonce: string | null; redirectUri: string }>();
  let issuer = "";

  const sign = (claims: Record<string, unknown>) => {
    const head = b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid: jwk.kid }));
    const body = b64url(JSON.stringify(claims));
    const signature = createSign("RSA-SHA256").update(`${head}.${body}`).sign(privateKey);
    return `${head}.${body}.${b64url(signature)}`;
  };

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };

  const stub: OidcStub = { issuer, clientId, clientSecret, tokenCalls: 0, user, close: () => Promise.resolve() };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    if (url.pathname === "/.well-known/openid-configuration") {
      json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        userinfo_endpoint: `${issuer}/userinfo`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        code_challenge_methods_supported: ["S256"],
        token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
        scopes_supported: ["openid", "email", "profile"],
      });
    } else if (url.pathname === "/jwks") {
      json(res, 200, { keys: [jwk] });
    } else if (url.pathname === "/authorize") {
      const redirectUri = url.searchParams.get("redirect_uri") ?? "";
      if (url.searchParams.get("client_id") !== clientId || !redirectUri) return json(res, 400, { error: "invalid_request" });
      const code = randomBytes(16).toString("hex");
      codes.set(code, { challenge: url.searchParams.get("code_challenge"), nonce: url.searchParams.get("nonce"), redirectUri });
      const back = new URL(redirectUri);
      back.searchParams.set("code", code);
      back.searchParams.set("state", url.searchParams.get("state") ?? "");
      res.writeHead(302, { location: back.toString() });
      res.end();
    } else if (url.pathname === "/token" && req.method === "POST") {
      let raw = "";
      req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
      req.on("end", () => {
        stub.tokenCalls += 1;
        const form = new URLSearchParams(raw);
        const basic = req.headers.authorization?.startsWith("Basic ") ? Buffer.from(req.headers.authorization.slice(6), "base64").toString("utf8") : null;
        const secretOk = basic === `${clientId}:${clientSecret}` || (form.get("client_id") === clientId && form.get("client_secret") === clientSecret);
        const grant = codes.get(form.get("code") ?? "");
        codes.delete(form.get("code") ?? "");
        const verifier = form.get("code_verifier") ?? "";
        const pkceOk = grant?.challenge ? b64url(createHash("sha256").update(verifier).digest()) === grant.challenge : true;
        if (!secretOk || !grant || !pkceOk) return json(res, 400, { error: "invalid_grant" });
        const now = Math.floor(Date.now() / 1000);
        json(res, 200, {
          access_token: randomBytes(16).toString("hex"),
          token_type: "Bearer",
          expires_in: 3600,
          scope: "openid email profile",
          id_token: sign({ iss: issuer, aud: clientId, sub: stub.user.sub, email: stub.user.email, email_verified: true, name: stub.user.name, iat: now, exp: now + 600, ...(grant.nonce ? { nonce: grant.nonce } : {}) }),
        });
      });
    } else if (url.pathname === "/userinfo") {
      json(res, 200, { sub: stub.user.sub, email: stub.user.email, email_verified: true, name: stub.user.name });
    } else {
      json(res, 404, { error: "not_found" });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stub.issuer = issuer;
  stub.close = () => new Promise((resolve) => server.close(() => resolve()));
  return stub;
}
