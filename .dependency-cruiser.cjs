/**
 * The layer table of docs/architecture.md as import rules (`npm run lint`). Layers are listed top to bottom; a
 * file may import its own layer and any layer below it, never one above. Layers on one row are peers that do
 * not import each other. Below the command layer nothing imports the terminal's libraries.
 */
const LAYERS = [
  ["cli"],
  ["commands"],
  ["ui"],
  ["dashboard"],
  ["metrics"],
  ["pipeline"],
  ["verify", "health"],
  ["query"],
  ["sinks", "kafka"],
  ["analytics"],
  ["local"],
  ["config"],
  // Below the config: the config assembles their kits' fields.
  ["sources", "notify"],
  ["model"],
  ["errors", "log", "util"],
];

/** `src/<name>/…` or `src/<name>.ts`. */
const path = (names) => `^src/(${names.join("|")})(/|\\.ts$)`;

const forbidden = [];
LAYERS.forEach((row, i) => {
  const above = LAYERS.slice(0, i).flat();
  for (const name of row) {
    const peers = row.filter((p) => p !== name);
    const targets = [...above, ...peers];
    if (targets.length === 0) continue;
    forbidden.push({
      name: `layer-${name}`,
      comment: `src/${name} may import only its own layer and the layers below it (docs/architecture.md)`,
      severity: "error",
      from: { path: path([name]) },
      to: { path: path(targets) },
    });
  }
});

forbidden.push(
  {
    name: "terminal-only-in-commands",
    comment: "only the command layer (cli.ts, commands/, ui/) knows the terminal: commander, ora, cli-table3",
    severity: "error",
    from: { path: "^src/", pathNot: path(["cli", "commands", "ui"]) },
    to: { path: "node_modules/(commander|ora|cli-table3)/" },
  },
  {
    name: "local-stack-only-from-commands",
    comment: "the local stack is the command layer's to start and read: lower layers get credentials and paths passed in",
    severity: "error",
    from: { path: "^src/", pathNot: path(["cli", "commands", "local"]) },
    to: { path: path(["local"]) },
  },
  {
    name: "no-unresolvable",
    comment: "an import that does not resolve is a typo or a missing dependency",
    severity: "error",
    from: {},
    to: { couldNotResolve: true },
  },
  {
    name: "no-circular",
    comment: "modules that import each other, directly or round about: one of them holds a contract that belongs in a module of its own",
    severity: "error",
    from: { path: "^src/" },
    to: { circular: true },
  },
);

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^src/dashboard/page/" },
    parser: "swc",
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
  },
};
