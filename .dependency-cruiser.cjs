/**
 * The layers of src/ and the directions they may depend in (docs/architecture.md). `npm run check:layers`
 * runs these rules; CI runs it before the tests.
 */
const layer = (from, forbidden, comment) => ({
  name: `${from}-not-${forbidden.join('-')}`,
  comment,
  severity: 'error',
  from: { path: `^src/${from}/` },
  to: { path: `^src/(${forbidden.join('|')})/` },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'A cycle makes modules depend on load order.', from: {}, to: { circular: true } },
    layer('model', ['access', 'store', 'services', 'formats', 'api', 'cli', 'correlation', 'libraries'], 'The domain is pure: no I/O, no other layer.'),
    layer('access', ['store', 'services', 'formats', 'api', 'cli'], 'Who may do what depends on the domain alone.'),
    layer('formats', ['store', 'services', 'api', 'cli'], 'Parsers and serialisers are pure.'),
    layer('store', ['formats', 'services', 'api', 'cli'], 'The store knows no format and no caller.'),
    layer('services', ['api', 'cli'], 'Use cases know nothing of HTTP or the command line.'),
    layer('api', ['cli'], 'The server is started by the CLI, never the reverse.'),
    {
      name: 'migrations-frozen',
      comment: 'A migration never changes when the app changes: it imports kysely and its own folder only.',
      severity: 'error',
      from: { path: '^src/store/db/migrations/' },
      to: { path: '^src/', pathNot: '^src/store/db/migrations/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js'] },
  },
};
