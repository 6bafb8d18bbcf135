// API docs: the OpenAPI document, generated from the features' zod schemas.
export { openApiDocument } from "./openapi";
