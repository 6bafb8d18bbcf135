import "server-only";
import { forbidden } from "~/server/errors";
import { projectCookie } from "~/server/auth/session";
import { membershipRole } from "~/server/auth/users";
import { authedProcedure, createTRPCRouter, ownerProcedure, projectProcedure } from "~/server/api/trpc";
import { removeMemberInputSchema, selectProjectInputSchema, setMemberInputSchema } from "../schemas";
import { listMembers, removeMember, setMember } from "./members";

export const accountRouter = createTRPCRouter({
  // Who is signed in, on which project, with which role: the UI hides what the role cannot do.
  me: projectProcedure.query(({ ctx }) => ({
    via: ctx.principal.kind,
    user: ctx.principal.kind === "user" ? { id: ctx.principal.userId, email: ctx.principal.email, name: ctx.principal.name } : null,
    projectId: ctx.projectId,
    role: ctx.role,
  })),
  // An authedProcedure: a user whose selected project was taken away must still be able to pick another.
  selectProject: authedProcedure.input(selectProjectInputSchema).mutation(async ({ ctx, input }) => {
    if (ctx.principal.kind !== "user") throw forbidden("an API key is bound to its own project");
    const role = await membershipRole(ctx.db, input.projectId, ctx.principal.userId);
    if (!role) throw forbidden("you are not a member of this project");
    ctx.resHeaders?.append("set-cookie", projectCookie(input.projectId));
    return { projectId: input.projectId, role };
  }),
});

// Owners only: everyone on the project with their role; add (existing users) and remove.
export const membersRouter = createTRPCRouter({
  list: ownerProcedure.query(({ ctx }) => listMembers(ctx.db, ctx.projectId)),
  set: ownerProcedure.input(setMemberInputSchema).mutation(({ ctx, input }) => setMember(ctx.db, ctx.projectId, input.email, input.role)),
  remove: ownerProcedure.input(removeMemberInputSchema).mutation(({ ctx, input }) => removeMember(ctx.db, ctx.projectId, input.userId)),
});
