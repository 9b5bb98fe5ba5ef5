// The layout rules of docs/architecture.md as a check: `npm run lint` (and so `npm test`) fails on an
// import that breaks one. Paths are relative to the repository root; only src/ is cruised.

// Node built-ins that reach outside the process: files, sockets, other programs, threads.
const IO_MODULES =
  '^(node:)?(fs|fs/promises|net|dgram|dns|dns/promises|http|https|http2|tls|child_process|cluster|worker_threads|readline|os)$';

// Folders below the daemons: none of them may depend on watch/ or fleet/.
const CORE = '^src/(model|catalog|scan|inventory|reconcile|describe|report|compare|verify|store)(/|\\.ts$)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'witnesses-apart',
      comment:
        'scan/ (the network witness) and inventory/ (the kernel witness) never import each other: two independent witnesses, held against each other only in reconcile/.',
      severity: 'error',
      from: { path: '^src/scan/' },
      to: { path: '^src/inventory/' },
    },
    {
      name: 'witnesses-apart-reverse',
      comment: 'inventory/ never imports scan/ (see witnesses-apart).',
      severity: 'error',
      from: { path: '^src/inventory/' },
      to: { path: '^src/scan/' },
    },
    {
      name: 'reconcile-is-pure',
      comment: 'reconcile/ does no I/O: no files, sockets, processes or threads.',
      severity: 'error',
      from: { path: '^src/reconcile/' },
      to: { dependencyTypes: ['core'], path: IO_MODULES },
    },
    {
      name: 'reconcile-imports',
      comment:
        'reconcile/ imports only model, errors, catalog/, describe/ and the escaping policy: it judges what it is handed.',
      severity: 'error',
      from: { path: '^src/reconcile/' },
      to: {
        path: '^src/',
        pathNot: '^src/(reconcile/|describe/|catalog/|model/|model\\.ts$|errors\\.ts$|unsafe-characters\\.ts$)',
      },
    },
    {
      name: 'report-renders',
      comment:
        'report/ renders and never decides: it does not import reconcile/ (verdicts arrive in the report) nor the witnesses.',
      severity: 'error',
      from: { path: '^src/report/' },
      to: { path: '^src/(reconcile|scan|inventory|verify|catalog)/' },
    },
    {
      name: 'report-no-io',
      comment: 'report/ turns a report into text; reading and writing files is the caller’s job.',
      severity: 'error',
      from: { path: '^src/report/' },
      to: { dependencyTypes: ['core'], path: IO_MODULES },
    },
    {
      name: 'describe-is-words',
      comment: 'describe/ (how owners and services read in words) imports only model and itself.',
      severity: 'error',
      from: { path: '^src/describe/' },
      to: { path: '^src/', pathNot: '^src/(describe/|model/|model\\.ts$)' },
    },
    {
      name: 'describe-no-io',
      comment: 'describe/ is pure.',
      severity: 'error',
      from: { path: '^src/describe/' },
      to: { dependencyTypes: ['core'], path: IO_MODULES },
    },
    {
      name: 'model-is-types',
      comment: 'model.ts and model/ are the JSON contract: they import nothing outside model/.',
      severity: 'error',
      from: { path: '^src/(model/|model\\.ts$)' },
      to: { pathNot: '^src/(model/|model\\.ts$)' },
    },
    {
      name: 'catalog-imports',
      comment: 'catalog/ imports only model, errors and io/ (the bounded read of every file).',
      severity: 'error',
      from: { path: '^src/catalog/' },
      to: { path: '^src/', pathNot: '^src/(catalog/|io/|model/|model\\.ts$|errors\\.ts$)' },
    },
    {
      name: 'io-and-escaping-are-leaves',
      comment:
        'io/ (bounded reads) and unsafe-characters.ts (the escaping policy) import only errors: every folder may import them.',
      severity: 'error',
      from: { path: '^src/(io/|unsafe-characters\\.ts$)' },
      to: { path: '^src/', pathNot: '^src/(io/|errors\\.ts$)' },
    },
    {
      name: 'nothing-imports-cli',
      comment: 'cli/ is the wiring at the top: no library module imports it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'store-imports',
      comment:
        'store/ keeps what it is given: it imports only model, errors, io/ (what a path is) and itself.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/', pathNot: '^src/(store/|io/|model/|model\\.ts$|errors\\.ts$)' },
    },
    {
      name: 'daemons-on-top',
      comment:
        'watch/ and fleet/ build on the core; the core (the witnesses, reconcile, report, verify, store) never imports them.',
      severity: 'error',
      from: { path: CORE },
      to: { path: '^src/(watch|fleet)/' },
    },
    {
      name: 'fleet-server-holds-reports',
      comment:
        'fleet/server/ holds what agents report: it never scans nor reads a kernel table itself (no scan/, inventory/ or watch/).',
      severity: 'error',
      from: { path: '^src/fleet/server/' },
      to: { path: '^src/(scan|inventory|watch|verify)/' },
    },
    {
      name: 'fleet-agent-speaks-http',
      comment:
        'fleet/agent/ reaches the server over HTTP only (the published schemas are the contract): the agent and the server import nothing of each other.',
      severity: 'error',
      from: { path: '^src/fleet/(agent|server)/' },
      to: { path: '^src/fleet/(agent|server)/', pathNot: '^src/fleet/$1/' },
    },
    {
      name: 'no-circular',
      comment: 'A cycle between modules hides which one is the base.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.build.json' },
    tsPreCompilationDeps: true,
  },
};
