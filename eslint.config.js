// Lint rules: typescript-eslint's recommended set plus the layering rule of DESIGN.md
// (domain/ is pure and imports nothing outside domain/).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules", "data", "bench/results", "coverage"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    files: ["domain/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                "../../*/**",
                "!../../domain/**",
                "ioredis",
                "pg",
                "@electric-sql/*",
                "graphql*",
                "node:*",
              ],
              message: "domain/ is pure: it imports nothing outside domain/ (DESIGN.md).",
            },
          ],
        },
      ],
      "no-restricted-globals": [
        "error",
        { name: "Date", message: "domain/ takes time from the command, never from the clock." },
        { name: "Math", message: "domain/ takes ids from the command, never from random." },
      ],
    },
  },
);
