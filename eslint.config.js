// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * eslint with typescript-eslint's type-checked rules, zero warnings (`npm run lint`); formatting
 * is prettier's (`npm run format`). Tests and benchmarks read untyped JSON (API responses, CLI
 * output) on purpose, so the no-unsafe-* family is off there and on everywhere else.
 */
export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'test/artifacts/**', '.tmp/**', 'coverage/**', 'src/web/vendor/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js', 'vitest.faults.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // LiveKit's abstract methods (llm.LLMStream.run, stt.STT._recognize, tool execute) are async by contract.
      '@typescript-eslint/require-await': 'off',
      // A caught error is `unknown`; passing it on as it came is the point.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // Values read back from a database row or parsed JSON are `unknown`; String() of them is intended.
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // …and type the rows they read with `as` (TypeORM's query<T = any>).
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
);
