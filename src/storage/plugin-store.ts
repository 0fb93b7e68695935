import type { PluginRecord } from '../jami-store/plugin-record.ts';
import { dataKeys } from './data-keys.ts';
import type { ObjectStore } from './objects/object-store.ts';
import { JsonRecordStore, type RecordLoadProblem } from './json-record-store.ts';

function isPluginRecord(value: unknown): value is PluginRecord {
  const r = value as PluginRecord;
  return typeof r?.id === 'string' && Array.isArray(r.versions) && r.versions.every((v) => typeof v.version === 'string' && Array.isArray(v.abis));
}

/** Verified Jami plugins: private/jami/<id>.json (the store lists only from these). */
export class PluginStore extends JsonRecordStore<PluginRecord> {
  static async open(objects: ObjectStore): Promise<{ plugins: PluginStore; problems: RecordLoadProblem[] }> {
    const plugins = new PluginStore(objects, dataKeys.jamiRecords);
    return { plugins, problems: await plugins.loadAll(isPluginRecord) };
  }
}
