// Builds the UI into ../ui-dist, which the appliance embeds. File names carry no hash: the
// appliance serves them with `cache-control: no-cache`, and a build made twice from the same
// source is the same bytes, which CI checks.
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

export default defineConfig({
  plugins: [preact()],
  build: {
    outDir: '../ui-dist',
    emptyOutDir: true,
    target: 'es2020',
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: { index: 'index.html', login: 'login.html' },
      output: {
        entryFileNames: 'assets/[name].js',
        chunkFileNames: 'assets/[name].js',
        assetFileNames: 'assets/[name][extname]',
      },
    },
  },
});
