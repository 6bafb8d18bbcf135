import "server-only";
import { eq } from "drizzle-orm";
import { createTRPCRouter, projectProcedure } from "~/server/api/trpc";
import { projects } from "~/server/db/schema";
import { createKeyInputSchema, keyIdInputSchema, priceIdInputSchema, upsertPriceInputSchema } from "../schemas";
import { createKey, listKeys, revokeKey } from "./keys";
import { deleteCustomPrice, listCustomPrices, upsertCustomPrice } from "./prices";

// Thin: every procedure works on the caller's project only (ctx.projectId).
export const keysRouter = createTRPCRouter({
  list: projectProcedure.query(({ ctx }) => listKeys(ctx.db, ctx.projectId)),
  create: projectProcedure.input(createKeyInputSchema).mutation(({ ctx, input }) => createKey(ctx.db, ctx.projectId, input.name)),
  revoke: projectProcedure.input(keyIdInputSchema).mutation(({ ctx, input }) => revokeKey(ctx.db, ctx.projectId, input.keyId)),
});

export const pricesRouter = createTRPCRouter({
  list: projectProcedure.query(({ ctx }) => listCustomPrices(ctx.db, ctx.projectId)),
  upsert: projectProcedure.input(upsertPriceInputSchema).mutation(({ ctx, input }) => upsertCustomPrice(ctx.db, ctx.projectId, input)),
  delete: projectProcedure.input(priceIdInputSchema).mutation(({ ctx, input }) => deleteCustomPrice(ctx.db, ctx.projectId, input.id)),
});

// Until accounts exist the caller sees its own project only; the switcher lists what this returns.
export const projectsRouter = createTRPCRouter({
  list: projectProcedure.query(async ({ ctx }) => {
    const rows = await ctx.db
      .select({ id: projects.id, name: projects.name, createdAt: projects.createdAt })
      .from(projects)
      .where(eq(projects.id, ctx.projectId));
    return rows.map((r) => ({ ...r, current: true }));
  }),
});
