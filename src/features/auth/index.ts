// Auth, client-safe surface: sign-in, first-run setup and sign-out UI, and their input schemas.
export { SetupForm } from "./components/setup-form";
export { SignInForm } from "./components/sign-in-form";
export { SignOutButton } from "./components/sign-out-button";
export { emailSchema, passwordSchema, roleSchema, setupInputSchema } from "./schemas";
