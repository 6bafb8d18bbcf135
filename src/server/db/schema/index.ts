export * from "./projects";
export * from "./events";
export * from "./prompts";
export * from "./prices";
export * from "./rollups";
export * from "./auth";
export * from "./attribution";
export * from "./budgets";
