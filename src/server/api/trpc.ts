import "server-only";
import { randomUUID } from "node:crypto";
import { initTRPC, TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import { transformer } from "~/lib/transformer";
import { ZodError } from "zod";
import { assertSameOrigin } from "../auth/csrf";
import { accessFor, forbidden, resolveCaller } from "../auth/resolve-project";
import { getDbClient, type DbClient } from "../db";
import { AppError, isDatabaseUnavailable, isUnstorableText, unstorableText } from "../errors";
import { errorFields, logger } from "../logger";
import { getSecret } from "../secrets";

// resHeaders: the HTTP response's headers (absent for in-process callers), for cookies a procedure sets.
export type Context = { client: DbClient; headers: Headers; requestId: string; resHeaders?: Headers };

export function createContext(opts: { headers: Headers; client?: DbClient; resHeaders?: Headers; requestId?: string }): Context {
  return {
    client: opts.client ?? getDbClient(),
    headers: opts.headers,
    requestId: opts.requestId ?? randomUUID(),
    resHeaders: opts.resHeaders,
  };
}

const t = initTRPC.context<Context>().create({
  transformer,
  // Never show internals: 5xx messages are replaced, stacks are dropped, inputs issues are kept.
  isDev: false,
  errorFormatter({ shape, error, ctx }) {
    const internal = error.code === "INTERNAL_SERVER_ERROR";
    return {
      ...shape,
      message: internal ? "internal error" : shape.message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        // Quoted in a bug report, it finds the server's log line for this error.
        requestId: ctx?.requestId ?? null,
        issues:
          error.cause instanceof ZodError
            ? error.cause.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }))
            : error.cause instanceof AppError
              ? (error.cause.details.issues ?? null)
              : null,
      },
    };
  },
});

const STATUS_TO_CODE: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  429: "TOO_MANY_REQUESTS",
  503: "SERVICE_UNAVAILABLE",
};

// One place maps typed service errors to tRPC codes; routers never try/catch.
const errorMapping = t.middleware(async ({ ctx, next, path }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof AppError) {
      throw new TRPCError({ code: STATUS_TO_CODE[cause.status] ?? "INTERNAL_SERVER_ERROR", message: cause.message, cause });
    }
    if (isDatabaseUnavailable(cause)) {
      throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: "storage is unavailable, retry later", cause });
    }
    if (isUnstorableText(cause)) throw new TRPCError({ code: "BAD_REQUEST", message: unstorableText().message, cause });
    if (result.error.code === "INTERNAL_SERVER_ERROR") {
      logger.error("trpc error", { path, requestId: ctx.requestId, ...errorFields(cause ?? result.error) });
    }
  }
  return result;
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(errorMapping);

/**
 * An authenticated caller (src/server/auth/resolve-project.ts): a signed-in user or a project API
 * key, else 401. Writes by a signed-in user must come from the app's own pages (CSRF, see csrf.ts).
 */
export const authedProcedure = publicProcedure.use(async ({ ctx, next, type }) => {
  const principal = await resolveCaller(ctx.client.db, ctx.headers);
  if (type === "mutation" && principal.kind === "user") assertSameOrigin(ctx.headers);
  return next({ ctx: { ...ctx, principal, db: ctx.client.db } });
});

/**
 * The caller's project, resolved once: an API key's own project, or the signed-in user's selected
 * project if they are a member of it (else 403). Every procedure that reads or writes project data
 * goes through here, so `ctx.projectId` is always one the caller may see.
 */
export const projectProcedure = authedProcedure.use(async ({ ctx, next }) => {
  const { projectId, role } = await accessFor(ctx.db, ctx.principal, ctx.headers);
  const cursorSecret = await getSecret(ctx.db, "cursor");
  return next({ ctx: { ...ctx, projectId, role, cursorSecret } });
});

/** Keys and prices: owners and members of the project, never viewers or API keys. */
export const managerProcedure = projectProcedure.use(({ ctx, next }) => {
  if (ctx.principal.kind !== "user" || ctx.role === "viewer") {
    throw forbidden("only the project's owners and members can manage keys and prices");
  }
  return next({ ctx });
});

/** Members: owners only. */
export const ownerProcedure = projectProcedure.use(({ ctx, next }) => {
  if (ctx.principal.kind !== "user" || ctx.role !== "owner") {
    throw forbidden("only the project's owners can manage members");
  }
  return next({ ctx });
});
