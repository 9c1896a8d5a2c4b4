import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The page is served at `/` and its files under `/ui/` (src/api/web-ui.ts); nothing is loaded from elsewhere.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'ui/assets',
    // Everything in files: the Content-Security-Policy forbids inline script and style.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
