// Lint rules for the whole repository. The core package is pure (no I/O, no clock, no
// randomness), and these rules say so where a change would break that.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const PURITY = 'core is pure: pass time, randomness and I/O in as arguments (see CONVENTIONS.md)';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'bench/results/**', '.tollgate/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.test.ts', '**/test/**/*.ts', 'conformance/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['packages/core/src/**/*.ts'],
    ignores: ['packages/core/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['node:*', 'fs', 'path', 'os', 'crypto', 'http', 'https', 'net', 'child_process'], message: PURITY }] },
      ],
      'no-restricted-globals': [
        'error',
        ...['process', 'console', 'setTimeout', 'setInterval', 'setImmediate', 'fetch', 'performance', 'Buffer', 'require'].map((name) => ({
          name,
          message: PURITY,
        })),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: PURITY },
        { object: 'Math', property: 'random', message: PURITY },
        { object: 'crypto', property: 'randomUUID', message: PURITY },
      ],
      'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: PURITY }],
    },
  },
);
