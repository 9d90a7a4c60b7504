// Types of scripts/unhoist-chunk-imports.mjs, for its test.

/** Blanks hoisted bare chunk imports in every .js file under `directory`; returns how many it blanked. */
export function unhoistChunkImports(directory: string): number;
