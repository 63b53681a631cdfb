import baseConfig from "../../eslint.config.mjs";

export default [
    ...baseConfig,
    {
        // The core entry point must load without any web framework installed (optional peers).
        files: ["src/index.ts", "src/lib/core/**/*.ts"],
        rules: {
            "no-restricted-imports": ["error", { patterns: ["@nestjs/*", "fastify", "express", "passport", "passport-*", "../nest/*", "../express/*", "../fastify/*", "@gatehouse/service-runtime"] }],
        },
    },
];
