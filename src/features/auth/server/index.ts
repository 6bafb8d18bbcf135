// Auth, server surface: the account and members routers, and project membership queries.
export { accountRouter, membersRouter } from "./router";
export { currentProjectId, listProjectsFor } from "./members";
// Input schemas, for scripts (the client index also carries React components).
export { emailSchema, passwordSchema, roleSchema } from "../schemas";
