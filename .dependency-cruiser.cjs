// Layer rules for src/, bottom to top: core (the pure domain) and lib (event-loop mechanics),
// store, service (with its ports), adapters, http, server (the composition root). A layer may
// import the ones below it, never one above. cli holds the API client's commands, which talk to
// a server over HTTP and import none of it; src/main.ts, the `tessera` command, registers both.
// Run by `npm run lint` (depcruise src --config .dependency-cruiser.cjs).

/** Store files that are not ports: the SQL and in-memory implementations and the factory that picks one. */
const STORE_IMPLEMENTATIONS = '^src/store/(sql|memory)/|^src/store/open-stores\\.ts$';
/** Unit tests next to the code; they may wire in an in-memory store or a test helper. */
const TESTS = '\\.test\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment: 'src/core is the pure domain: it imports nothing in src/ outside src/core.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    {
      name: 'core-no-packages',
      comment: 'src/core imports only node: built-ins (node:crypto, node:net, node:zlib, ...), no npm package. Its unit tests may use fast-check.',
      severity: 'error',
      from: { path: '^src/core/', pathNot: TESTS },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled', 'npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'core-no-io-builtins',
      comment: 'src/core does no I/O of its own: no node:http, node:fs, node:child_process (and their kin).',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { dependencyTypes: ['core'], path: '^(node:)?(http|https|http2|fs|fs/promises|child_process|cluster|worker_threads|dgram|tls)$' },
    },
    {
      name: 'lib-is-pure',
      comment: 'src/lib is event-loop mechanics with no domain: it imports nothing in src/ outside src/lib, and no npm package.',
      severity: 'error',
      from: { path: '^src/lib/' },
      to: { path: '^src/|^node_modules/', pathNot: '^src/lib/' },
    },
    {
      name: 'store-not-above',
      comment: 'src/store may import src/core and src/lib only.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/(service|adapters|http|server|cli)/' },
    },
    {
      name: 'service-not-above',
      comment: 'src/service may import src/core, src/lib and the store ports, never src/http, src/server or src/cli.',
      severity: 'error',
      from: { path: '^src/service/' },
      to: { path: '^src/(http|server|cli)/' },
    },
    {
      name: 'service-store-ports-only',
      comment: 'src/service sees the store through its ports (src/store/*.ts), never an implementation. Unit tests may use the in-memory store.',
      severity: 'error',
      from: { path: '^src/service/', pathNot: TESTS },
      to: { path: STORE_IMPLEMENTATIONS },
    },
    {
      name: 'service-no-drivers',
      comment: 'src/service does not talk to databases, Redis or the metrics registry itself: its ports do, implemented in src/adapters/.',
      severity: 'error',
      from: { path: '^src/service/', pathNot: TESTS },
      to: { path: '^node_modules/(pg|ioredis|prom-client|better-sqlite3|kysely|fastify|@fastify/[^/]+)/' },
    },
    {
      name: 'ports-not-adapters',
      comment: 'Only the composition root (src/server) wires adapters in: core, lib, store, service, http and cli never import src/adapters.',
      severity: 'error',
      from: { path: '^src/(core|lib|store|service|http|cli)/' },
      to: { path: '^src/adapters/' },
    },
    {
      name: 'adapters-not-above',
      comment: 'src/adapters implement the service ports: they may import core, lib, service and the store ports, never http, server or cli.',
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: { path: '^src/(http|server|cli)/' },
    },
    {
      name: 'http-not-above',
      comment: 'src/http may import src/core, src/lib, src/service and the store ports, never src/server or src/cli.',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^src/(server|cli)/' },
    },
    {
      name: 'http-store-ports-only',
      comment: 'src/http sees the store through its ports (src/store/*.ts), never an implementation.',
      severity: 'error',
      from: { path: '^src/http/', pathNot: TESTS },
      to: { path: STORE_IMPLEMENTATIONS },
    },
    {
      name: 'server-is-the-root',
      comment: 'src/server is the composition root: only the `tessera` command (src/main.ts) imports it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/main\\.ts$|^src/server/' },
      to: { path: '^src/server/' },
    },
    {
      name: 'cli-is-a-client',
      comment: 'src/cli holds the API client commands: they speak HTTP to a server and import only src/core and src/cli.',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '^src/', pathNot: '^src/(core|cli)/' },
    },
    {
      name: 'sdk-takes-only-the-core',
      comment:
        'sdk/src is packed with src/core compiled in beside it, and nothing else of the server: it imports sdk/src and src/core only (and npm packages).',
      severity: 'error',
      from: { path: '^sdk/src/' },
      to: { path: '^(src|sdk|test|bench)/', pathNot: '^(src/core|sdk/src)/' },
    },
    {
      name: 'server-does-not-import-the-sdk',
      comment: 'The SDK is a client of the server: nothing in src/ imports it.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^sdk/' },
    },
    {
      name: 'src-not-test-or-bench',
      comment: 'Nothing in src/ imports test/ or bench/.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles in src/.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve is a mistake (or a package missing from package.json).',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
