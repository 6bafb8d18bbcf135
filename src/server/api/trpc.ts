import "server-only";
import { randomUUID } from "node:crypto";
import { initTRPC, TRPCError } from "@trpc/server";
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";
import superjson from "superjson";
import { ZodError } from "zod";
import { resolveProject } from "../auth/resolve-project";
import { getDbClient, type DbClient } from "../db";
import { AppError, isDatabaseUnavailable } from "../errors";
import { errorFields, logger } from "../logger";
import { getSecret } from "../secrets";

export type Context = { client: DbClient; headers: Headers; requestId: string };

export function createContext(opts: { headers: Headers; client?: DbClient }): Context {
  return {
    client: opts.client ?? getDbClient(),
    headers: opts.headers,
    requestId: opts.headers.get("x-request-id") ?? randomUUID(),
  };
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  // Never show internals: 5xx messages are replaced, stacks are dropped, inputs issues are kept.
  isDev: false,
  errorFormatter({ shape, error }) {
    const internal = error.code === "INTERNAL_SERVER_ERROR";
    return {
      ...shape,
      message: internal ? "internal error" : shape.message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
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
 * The caller's project, resolved once: a project API key (`Authorization: Bearer`) reads only its
 * project; without one, the dashboard's server-side default project (until accounts exist).
 */
export const projectProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const projectId = await resolveProject(ctx.client.db, ctx.headers);
  const cursorSecret = await getSecret(ctx.client.db, "cursor");
  return next({ ctx: { ...ctx, projectId, db: ctx.client.db, cursorSecret } });
});
