/**
 * The inspector page (web/): `npm run web` serves it, `npm run web:build`
 * writes web/dist, a folder of static files any host serves. Relative paths
 * (`base: './'`), so it works from any folder of a site or from a file server.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'web',
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: true,
  },
  worker: { format: 'es' },
});
