import "server-only";
import { currentProjectId, listProjectsFor } from "~/features/auth/server";
import { authedProcedure, createTRPCRouter, managerProcedure, projectProcedure } from "~/server/api/trpc";
import { z } from "zod";
import { createKeyInputSchema, keyIdInputSchema, priceIdInputSchema, timeZoneSchema, upsertPriceInputSchema } from "../schemas";
import { getProjectSettings, setTimeZone } from "./project-settings";
import { createKey, listKeys, revokeKey } from "./keys";
import { deleteCustomPrice, listCustomPrices, upsertCustomPrice } from "./prices";

// Thin: every procedure works on the caller's project only (ctx.projectId); changes need an owner or member.
export const keysRouter = createTRPCRouter({
  list: projectProcedure.query(({ ctx }) => listKeys(ctx.db, ctx.projectId)),
  create: managerProcedure.input(createKeyInputSchema).mutation(({ ctx, input }) => createKey(ctx.db, ctx.projectId, input.name)),
  revoke: managerProcedure.input(keyIdInputSchema).mutation(({ ctx, input }) => revokeKey(ctx.db, ctx.projectId, input.keyId)),
});

export const pricesRouter = createTRPCRouter({
  list: projectProcedure.query(({ ctx }) => listCustomPrices(ctx.db, ctx.projectId)),
  upsert: managerProcedure.input(upsertPriceInputSchema).mutation(({ ctx, input }) => upsertCustomPrice(ctx.db, ctx.projectId, input)),
  delete: managerProcedure.input(priceIdInputSchema).mutation(({ ctx, input }) => deleteCustomPrice(ctx.db, ctx.projectId, input.id)),
});

// The signed-in user's projects (an API key: its own), for the switcher. Not a projectProcedure: a
// user whose selected project was taken away must still be able to pick another one.
export const projectsRouter = createTRPCRouter({
  list: authedProcedure.query(async ({ ctx }) => listProjectsFor(ctx.db, ctx.principal, await currentProjectId(ctx.db, ctx.principal, ctx.headers))),
});

// Project-wide settings: the time zone budget periods are counted in.
export const projectSettingsRouter = createTRPCRouter({
  get: projectProcedure.query(({ ctx }) => getProjectSettings(ctx.db, ctx.projectId)),
  setTimeZone: managerProcedure
    .input(z.object({ timeZone: timeZoneSchema }))
    .mutation(({ ctx, input }) => setTimeZone(ctx.db, ctx.projectId, input.timeZone)),
});
