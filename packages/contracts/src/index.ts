export * from "./ids.ts";
export * from "./problem.ts";
export * from "./spaces.ts";
export * from "./users.ts";
