// ESLint (flat config): import boundaries between layers and a few correctness rules. No style rules
// and no type-aware rules, so a whole-tree run stays fast. See docs/operations.md "Lint".
import tseslint from 'typescript-eslint';

const LAYERS_BELOW_DOMAIN = {
  regex: '(^|/)(db|http|services|integrations|jobs|workers)(/|$)',
  message: 'src/domain and src/fit are pure: they import nothing from db, http, services, integrations, jobs or workers (pass data in instead).',
};
const IO_PACKAGES = {
  regex: '^(pg|ioredis|bullmq|express|drizzle-orm|pino|nodemailer|web-push)(/|$)',
  message: 'src/domain and src/fit are pure: no I/O packages.',
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.d.ts'] },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 2023, sourceType: 'module' },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'no-debugger': 'error',
      'no-dupe-keys': 'error',
      'no-duplicate-case': 'error',
      'no-dupe-else-if': 'error',
      'no-self-assign': 'error',
      'no-unreachable': 'error',
      'no-unsafe-finally': 'error',
      'no-unsafe-negation': 'error',
      'no-cond-assign': ['error', 'except-parens'],
      'no-compare-neg-zero': 'error',
      'no-async-promise-executor': 'error',
      'no-sparse-arrays': 'error',
      'no-loss-of-precision': 'error',
      'use-isnan': 'error',
      'valid-typeof': 'error',
      'no-constant-binary-expression': 'error',
      '@typescript-eslint/no-duplicate-enum-values': 'error',
    },
  },
  {
    files: ['src/domain/**/*.ts', 'src/fit/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [LAYERS_BELOW_DOMAIN, IO_PACKAGES] }] },
  },
  {
    files: ['src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '(^|/)workers(/|$)', message: 'the HTTP layer never imports workers: enqueue through the job catalog instead.' }] },
      ],
    },
  },
  {
    // The service entry loads the workers only for ROLE=worker|all, by dynamic import, so an API
    // process never loads a processor (docs/architecture.md "Jobs"). workers/schedules.ts is fine.
    files: ['src/main.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)workers/(main|registry|processors)(\\.js|/|$)',
              message: 'import the workers with a dynamic import() for the worker role only: the API process never loads processors.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests: no focused or skipped tests left behind (skipIf with a reason is fine).
    files: ['**/*.test.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        ...['describe', 'it', 'test'].flatMap((object) => [
          { object, property: 'only', message: 'a focused test hides the others' },
          { object, property: 'skip', message: 'use skipIf with a reason, or fix the test' },
          { object, property: 'todo', message: 'write the test or leave it out' },
        ]),
      ],
    },
  },
);
