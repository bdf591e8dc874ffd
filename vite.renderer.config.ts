// Builds the workbench UI (renderer/) into dist/renderer: served by `frontier serve`, loaded by Electron.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    // Everything is bundled locally: no CDN, no remote font, nothing fetched from the network.
    assetsInlineLimit: 0,
  },
});
