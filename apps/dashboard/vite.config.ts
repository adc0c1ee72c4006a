// Vite build of the dashboard: the static page in dist/ that the reports app serves.
import { defineConfig } from 'vite';

// Relative asset paths, so the reports app can serve dist/ at any prefix.
export default defineConfig({
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 200 },
});
