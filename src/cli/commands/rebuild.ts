import { createLogger, openOutpost } from '../../app/outpost.ts';
import { loadConfig } from '../../config.ts';
import type { Command } from '../command.ts';
import { cliKeyStore, existingDataLayout } from '../local-state.ts';

export const rebuildCommand: Command = {
  path: ['rebuild'],
  usage: 'rebuild',
  summary: 'Render and sign every served document of the data folder again.',
  help: `Rebuilds every add-on's update.rdf and update.json (and their per-application copies) from the catalog, signed with the add-on's key, in the data folder that \`serve\` uses: OUTPOST_DATA, OUTPOST_KEYS, OUTPOST_PUBLIC_URL and the passphrase come from the environment in the same way. A server does this by itself when it starts after OUTPOST_PUBLIC_URL or OUTPOST_UPDATE_HASH changed; \`rebuild\` is for repairing documents by hand. It cannot run while a server holds the data folder.

Example:
  OUTPOST_DATA=/var/lib/outpost/storage OUTPOST_PUBLIC_URL=https://updates.example.org outpost rebuild`,
  positionals: [0, 0],
  async run(_args, ctx) {
    // Opening folders that do not exist would create a new instance, with a key nobody asked for,
    // and a missing passphrase would be generated anew instead of opening the existing keys.
    const config = loadConfig(ctx.env, ctx.cwd);
    // A bucket deployment is there already; a data folder must not be invented.
    if (!config.bucket) await existingDataLayout(ctx);
    await cliKeyStore(ctx, 'sign');
    // Skipped catalog records are worth seeing here; routine info lines are not.
    const logger = createLogger('warn', { write: (line: string) => ctx.stderr(line) });
    const { outpost, firstRun } = await openOutpost(config, logger);
    try {
      if (firstRun.token) ctx.stderr('note: the data folder had no API token; one was created (see `outpost token list`; revoke it and create your own)\n');
      if (firstRun.admin) ctx.stderr(`note: the data folder had no admin; "${firstRun.admin.username}" was created (set its password with \`outpost admin passwd ${firstRun.admin.username}\`)\n`);
      const { rebuilt, failed } = await outpost.manifests.rebuildAll(outpost.catalog, outpost.lock);
      for (const f of failed) ctx.stderr(`failed: ${f.id}: ${f.error.message}\n`);
      ctx.stdout(`Rebuilt the documents of ${rebuilt.length} add-on${rebuilt.length === 1 ? '' : 's'}${failed.length ? `; ${failed.length} failed` : ''}.\n`);
      return failed.length ? 1 : 0;
    } finally {
      await outpost.close();
    }
  },
};
