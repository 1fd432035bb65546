import { parseArgs } from 'node:util';
import { createApiKey, listApiKeys, revokeApiKey, type ApiKeyView } from '../services/api-keys.js';
import type { CliCommand } from './commands.js';

/** `stridesync keys create --name N --scope operator|read|runner [--runner ID] [--read-only]`: prints the key once. */
export const keysCreateCommand: CliCommand = {
  usage:
    'keys create --name N --scope operator|read|runner [--runner ID] [--read-only] [--json]\n                                                new API key (printed once, stored hashed)',
  takesSub: true,
  matches: (cmd, sub) => cmd === 'keys' && sub === 'create',
  async run(deps, args, io) {
    const { values } = parseArgs({
      args,
      options: { name: { type: 'string' }, scope: { type: 'string' }, runner: { type: 'string' }, 'read-only': { type: 'boolean' }, json: { type: 'boolean' } },
      strict: true,
    });
    if (!values.name || !values.scope) {
      io.err('keys create needs --name NAME and --scope operator|read|runner (a runner key also --runner RUNNER_ID)');
      return 2;
    }
    const { key, view } = await createApiKey(deps, { name: values.name, scope: values.scope, runnerId: values.runner, readOnly: values['read-only'] });
    if (values.json) {
      io.out(JSON.stringify({ ...view, key }));
      return 0;
    }
    io.out(`created API key "${view.name}" (${describeScope(view)}), id ${view.id}`);
    io.out(key);
    io.err('this is the only time the key is shown: only its hash is stored');
    return 0;
  },
};

/** `stridesync keys list [--json]`: every database key, never a secret. */
export const keysListCommand: CliCommand = {
  usage: 'keys list [--json]                            API keys: name, scope, runner, created, last used, revoked',
  takesSub: true,
  matches: (cmd, sub) => cmd === 'keys' && sub === 'list',
  async run(deps, args, io) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true });
    const keys = await listApiKeys(deps);
    if (values.json) {
      io.out(JSON.stringify(keys));
      return 0;
    }
    if (keys.length === 0) {
      io.out('no API keys in the database (the API_KEYS setting’s operator keys are not listed)');
      return 0;
    }
    io.out(['name'.padEnd(24), 'scope'.padEnd(18), 'runner'.padEnd(36), 'created'.padEnd(24), 'last used'.padEnd(24), 'revoked', 'id'].join(' '));
    for (const k of keys) {
      io.out(
        [
          k.name.padEnd(24),
          (k.scope + (k.readOnly ? ' (read-only)' : '')).padEnd(18),
          (k.runnerId ?? '-').padEnd(36),
          k.createdAt.padEnd(24),
          (k.lastUsedAt ?? 'never').padEnd(24),
          k.revokedAt ?? 'no',
          k.id,
        ].join(' '),
      );
    }
    return 0;
  },
};

/** `stridesync keys revoke NAME|ID`: the key stops working at once. */
export const keysRevokeCommand: CliCommand = {
  usage: 'keys revoke NAME|ID [--json]                  revoke an API key',
  takesSub: true,
  matches: (cmd, sub) => cmd === 'keys' && sub === 'revoke',
  async run(deps, args, io) {
    const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true, strict: true });
    if (positionals.length !== 1) {
      io.err('keys revoke needs exactly one key name or id (list them with: stridesync keys list)');
      return 2;
    }
    const view = await revokeApiKey(deps, positionals[0]!);
    io.out(values.json ? JSON.stringify(view) : `revoked API key "${view.name}" (${view.id}) at ${view.revokedAt}`);
    return 0;
  },
};

function describeScope(k: ApiKeyView): string {
  if (k.scope === 'runner') return `runner ${k.runnerId}${k.readOnly ? ', read-only' : ''}`;
  return k.scope;
}
