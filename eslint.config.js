// Lint, run by the test command: typescript-eslint's recommended rules over the sources, tests,
// sandbox, benchmarks and scripts, plus two habits of this codebase: no non-null assertions (a
// value that may be missing gets a check that says why) and at most 5 parameters (more become an
// object).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const node = {
  process: 'readonly',
  console: 'readonly',
  Buffer: 'readonly',
  URL: 'readonly',
  URLSearchParams: 'readonly',
  fetch: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
  setInterval: 'readonly',
  clearInterval: 'readonly',
  setImmediate: 'readonly',
  queueMicrotask: 'readonly',
  AbortController: 'readonly',
  AbortSignal: 'readonly',
  TextDecoder: 'readonly',
  TextEncoder: 'readonly',
  structuredClone: 'readonly',
  SharedArrayBuffer: 'readonly',
  Atomics: 'readonly',
  Response: 'readonly',
  Request: 'readonly',
  Headers: 'readonly',
};

export default tseslint.config(
  { ignores: ['**/dist/**', 'node_modules/**', '.tools/**', 'coverage/**', 'bench/.work/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: node },
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'error',
      'max-params': ['error', 5],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Tests and the emulators read untyped JSON (request bodies, emulator state) and say so.
    files: ['test/**', 'sandbox/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...node, module: 'writable', require: 'readonly', __filename: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
