import { z } from "zod";
import { PASSWORD_RULE } from "~/lib/password-rule";

// Inputs shared by the setup page, the CLI and the server.
export const emailSchema = z.string().trim().toLowerCase().pipe(z.email({ error: "email must be an email address" })).pipe(z.string().max(254, "email is too long"));
export const passwordSchema = z
  .string()
  .min(PASSWORD_RULE.min, `password must be at least ${PASSWORD_RULE.min} characters`)
  .max(PASSWORD_RULE.max, `password must be at most ${PASSWORD_RULE.max} characters`);

export const setupInputSchema = z.object({
  token: z.string().min(16, "token is missing: open the setup link printed in the server log").max(128),
  name: z.string().trim().min(1, "name must not be empty").max(100, "name is too long"),
  email: emailSchema,
  password: passwordSchema,
});
export type SetupInput = z.infer<typeof setupInputSchema>;

export const ROLES = ["owner", "member", "viewer"] as const;
export const roleSchema = z.enum(ROLES, { error: "role must be owner, member or viewer" });

export const selectProjectInputSchema = z.object({ projectId: z.uuid({ error: "projectId must be a project id" }) });
export const setMemberInputSchema = z.object({ email: emailSchema, role: roleSchema });
export const removeMemberInputSchema = z.object({ userId: z.uuid({ error: "userId must be a user id" }) });
