// Builds the dashboard to static files in dist/, which `tollgate serve` serves at `/`.
import { defineConfig } from 'vite';

export default defineConfig({
  // Preact's automatic JSX runtime; no framework plugin is needed for a production build.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022' },
  server: { proxy: { '/v1': 'http://127.0.0.1:7300' } },
});
