import { dataKeys } from './data-keys.ts';
import type { ObjectStore } from './objects/object-store.ts';
import { JsonRecordStore, type RecordLoadProblem } from './json-record-store.ts';

/** Which store a member lives in: XPI add-ons, Chromium extensions, Jami plugins, VPN add-ons. */
export type CollectionMemberKind = 'addon' | 'chromium' | 'jami' | 'vpn';

export interface CollectionMember {
  readonly kind: CollectionMemberKind;
  readonly id: string;
  /** VPN add-ons: the index (OUTPOST_VPN_CHANNELS); production when absent. */
  readonly channel?: string;
}

/**
 * A collection ("meta-package"): a named, ordered set of add-ons of any kinds, with a public page,
 * a JSON index and ready-to-deploy policies. `id` is the URL name (/collections/<id>).
 */
export interface CollectionRecord {
  id: string;
  title: string;
  description: string;
  members: CollectionMember[];
  createdAt: string;
  updatedAt: string;
  revision: number;
  /** A private feed only: /collections/<name> answers 404; its feeds serve it (feed-answers.ts). */
  private?: true;
}

const KINDS = new Set<string>(['addon', 'chromium', 'jami', 'vpn']);

function isCollectionRecord(value: unknown): value is CollectionRecord {
  const r = value as CollectionRecord;
  return (
    typeof r?.id === 'string' && typeof r.title === 'string' && typeof r.description === 'string' && typeof r.revision === 'number' &&
    Array.isArray(r.members) && r.members.every((m) => KINDS.has(m?.kind) && typeof m.id === 'string' && (m.channel === undefined || typeof m.channel === 'string'))
  );
}

/** private/collections/<id>.json */
export class CollectionStore extends JsonRecordStore<CollectionRecord> {
  static async open(objects: ObjectStore): Promise<{ collections: CollectionStore; problems: RecordLoadProblem[] }> {
    const collections = new CollectionStore(objects, dataKeys.collections);
    return { collections, problems: await collections.loadAll(isCollectionRecord) };
  }
}
