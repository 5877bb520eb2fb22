import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The admin console (src/web) → dist/web, served by the admin API at `/`.
 * Vitest reads vitest.config.ts instead of this file, so the tests are not affected.
 */
export default defineConfig({
  root: fileURLToPath(new URL('./src/web', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // No source maps in the shipped console: smaller, and nothing to fetch from the server.
    sourcemap: false,
  },
});
