import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.e2e/**', '.scratch/**', 'test-results/**', 'bin/**', '**/*.mjs', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // the webview page is browser code with its own tsconfig (DOM types)
    files: ['client/src/preview/webview/**/*.ts'],
    languageOptions: { parserOptions: { project: './client/src/preview/webview/tsconfig.json', tsconfigRootDir: import.meta.dirname } },
  },
  {
    // node:test tracks the promises that test()/describe() return; awaiting them at top level is not needed.
    files: ['test/**/*.test.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
);
