import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The dev server proxies the API to a running `milimo serve` (MILIMO_API, default :8000).
const api = process.env.MILIMO_API ?? "http://127.0.0.1:8000";
const proxied = ["/projects", "/shots", "/generate", "/status", "/jobs", "/events", "/upload", "/assets", "/health", "/openapi.json"];

export default defineConfig({
  plugins: [react()],
  // "assets/" would be shadowed by the API route /assets/{asset_id}: the bundle lives under /static/.
  build: { outDir: "dist", assetsDir: "static", sourcemap: false, chunkSizeWarningLimit: 400 },
  server: { port: 5173, proxy: Object.fromEntries(proxied.map((p) => [p, { target: api, changeOrigin: false }])) },
  test: { include: ["src/**/*.test.ts"], environment: "node" },
});
