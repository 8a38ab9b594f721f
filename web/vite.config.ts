import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The dashboard: built from web/ into dist/web/, which the server serves at / (docs/dashboard.md).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // Everything in the bundle: nothing is loaded from the internet.
    assetsInlineLimit: 0,
  },
  // `npm run dev:web`: the app on Vite's server, the API on a tessera at :8420.
  server: { proxy: { '/v1': 'http://127.0.0.1:8420' } },
});
