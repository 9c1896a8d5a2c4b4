import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/**
 * The answers' types come from the server's schemas (`@cairn/answers`, web/tsconfig.json): `import type`
 * is erased before bundling, so only a value import reaches the resolver. It would bring typebox and the
 * schemas into the page, so it fails the build.
 */
const answersAreTypesOnly: Plugin = {
  name: 'cairn-answers-are-types-only',
  enforce: 'pre',
  resolveId(source, importer) {
    if (source === '@cairn/answers' || /\/src\/api\/schemas\//.test(source)) {
      this.error(`${importer ?? 'the page'} imports ${source} as a value: import its types with \`import type\` only`);
    }
    return null;
  },
};

// The page is served at `/` and its files under `/ui/` (src/api/web-ui.ts); nothing is loaded from elsewhere.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [answersAreTypesOnly, react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'ui/assets',
    // Everything in files: the Content-Security-Policy forbids inline script and style.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
