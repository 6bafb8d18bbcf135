// GET /api/openapi.json — the REST API described from the zod schemas that validate it
import { openApiDocument } from "~/features/api-docs";
import { json, route } from "~/server/http";

export const dynamic = "force-dynamic";

export const GET = route((req) => Promise.resolve(json(openApiDocument(new URL(req.url).origin))));
