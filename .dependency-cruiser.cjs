/**
 * The layers of src/ and the direction imports may take (docs/explanation/architecture.md says
 * why). A module may import from its own folder and from folders of a LOWER rank, never from a
 * folder of the same or a higher rank. Type-only imports count: a type is a dependency too.
 * Checked by `npm test` (test/unit/layers.test.ts) and by hand with `npx depcruise src`.
 */

/** Highest first. Folders on one line share a rank: they may not import each other. */
const LAYERS = [
  // doors: how the world reaches the daemon
  { layer: 'doors', folders: ['cli'] },
  { layer: 'doors', folders: ['daemon.ts'] }, // the composition root: wires every part, started by `cli daemon`
  { layer: 'doors', folders: ['console'] }, // a door over the control API
  { layer: 'doors', folders: ['control'] },
  { layer: 'doors', folders: ['submission', 'metrics'] },
  // core: what the daemon does
  { layer: 'core', folders: ['audit'] }, // every door records here; it reads the config and the effective settings
  // core: what the daemon does
  { layer: 'core', folders: ['notify'] }, // notifications are submitted through the relay
  { layer: 'core', folders: ['relay', 'federation'] }, // siblings: the daemon wires them together
  { layer: 'core', folders: ['oauth2'] },
  // stores: what is kept on disk (the outbox journal lives in relay/, below nothing of relay's)
  { layer: 'stores', folders: ['state'] },
  // model: the settings and the config file that holds them
  { layer: 'model', folders: ['config'] },
  { layer: 'model', folders: ['settings'] },
  // leaves: used by everything, use nothing above them
  { layer: 'leaves', folders: ['util', 'html', 'generated', 'systemd'] },
  { layer: 'leaves', folders: ['errors', 'log'] },
];

/**
 * Known exceptions, at most a few lines: { from, to, why }. Empty: keep it so.
 * @type {Array<{ from: string; to: string; why: string }>}
 */
const EXCEPTIONS = [];

const pathOf = (folder) => (folder.endsWith('.ts') ? `^src/${folder.replace('.', '\\.')}$` : `^src/${folder}/`);
const any = (folders) => folders.map(pathOf).join('|');

const layerRules = LAYERS.map((entry, rank) => {
  const notBelow = LAYERS.slice(0, rank + 1).flatMap((e) => e.folders);
  return entry.folders.filter((folder) => notBelow.length > 1).map((folder) => ({
    name: `layer-${entry.layer}-${folder.replace('.ts', '')}`,
    comment: `${folder} (${entry.layer}) may import only from its own folder and lower layers; see docs/explanation/architecture.md`,
    severity: 'error',
    from: { path: pathOf(folder) },
    to: {
      path: any(notBelow.filter((f) => f !== folder)),
      ...(EXCEPTIONS.length > 0 ? { pathNot: EXCEPTIONS.filter((e) => new RegExp(pathOf(folder)).test(e.from)).map((e) => `^${e.to}$`) } : {}),
    },
  }));
}).flat();

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'No import cycle, type imports included: a cycle makes two modules one.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'every-folder-has-a-layer',
      comment: 'A new folder in src/ gets a place in LAYERS (.dependency-cruiser.cjs) and in docs/explanation/architecture.md.',
      severity: 'error',
      from: { path: '^src/', pathNot: `${any(LAYERS.flatMap((e) => e.folders))}` },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    // Type-only imports are dependencies too (a type ties two modules as much as a value does).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6'],
  },
};

