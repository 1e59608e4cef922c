// The portal is built into dist/ and served by the gateway at `/` (services/gateway/portal.py).
// Everything it loads comes from the platform itself: no CDN, government intranets are often offline.
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  plugins: [vue()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // one chunk per page group; ECharts only on the pages that draw charts
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender')) return 'charts'
          if (id.includes('node_modules/element-plus') || id.includes('node_modules/@element-plus')) return 'element-plus'
          if (id.includes('node_modules/vue') || id.includes('node_modules/@vue')) return 'vue'
        },
      },
    },
  },
  server: {
    // `npm run dev` beside a running platform (make run): the API goes to the gateway
    proxy: { '/api': 'http://127.0.0.1:8000', '/health': 'http://127.0.0.1:8000', '/packs': 'http://127.0.0.1:8000' },
  },
})
