import tseslint from 'typescript-eslint';

export default tseslint.config(
  {ignores: ['dist/', 'dist-pkg/', 'node_modules/', '.tools/', 'test/cluster/', 'test/tools/', 'coverage/']},
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
    },
  },
);
