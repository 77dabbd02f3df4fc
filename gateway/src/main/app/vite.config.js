// Built by the gateway's Maven build (npm ci, npm run build) into the jar's static resources, served at /app/.
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

export default defineConfig({
    base: "/app/",
    build: {
        outDir: fileURLToPath(new URL("../../../target/classes/static/app", import.meta.url)),
        emptyOutDir: true,
        chunkSizeWarningLimit: 1024,
    },
    test: {
        include: ["src/**/*.test.js"],
        environment: "node",
    },
});
