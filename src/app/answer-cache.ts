import { createHash } from 'node:crypto';
import { AnswerPlan, type PlannedAnswer, type PlannedQuery } from '../catalog/answer-plan.ts';
import type { AddonRecord } from '../catalog/addon-record.ts';
import { renderForRequest, type DocumentOptions } from '../catalog/update-documents.ts';
import type { ByteLru } from '../cache/byte-lru.ts';

/** The part of the catalog answers need: a cheap revision check, a read, and word of changes. */
export interface AnswerSource {
  revision(id: string): number | undefined;
  load(id: string): Promise<AddonRecord | undefined>;
  onChange?(listener: (id: string) => void): void;
}

export interface AnswerSigner {
  documentOptions(record: AddonRecord): Promise<DocumentOptions>;
}

export interface CachedAnswer {
  format: 'rdf' | 'json';
  body: Buffer;
}

interface PlanEntry {
  id: string;
  plan: AnswerPlan;
  revision: number;
  /** Answers built under this plan: dropped with it when the add-on changes. */
  answers: Set<string>;
  accountedMemo: number;
}

/**
 * A plan's own size (sets, bounds, strings), and what each remembered selection class adds.
 * Measured, not guessed: 10 000 plans of one- to three-version add-ons freed 3.8 kB of heap each
 * (plus 0.8 kB outside it), so the budget counts what the process really holds.
 */
const PLAN_BYTES = 4608;
const MEMO_ENTRY_BYTES = 256;
const PLAN = 'plan:';

/** The cache key of an add-on's plan (callers that ask repeatedly keep it: no concatenation per request). */
export function planKey(id: string): string {
  return PLAN + id;
}

/**
 * Rendered, signed answers keyed by what they contain (see AnswerPlan), kept in the shared memory
 * budget. Signing happens once per distinct answer: concurrent requests for an answer being built
 * wait for the same promise. A change to an add-on retires its plan and every answer built under
 * it (told by the catalog, and checked against the revision on every request); other add-ons keep
 * theirs. Cached values are bytes and strings only: records are read again when a new answer is
 * rendered, so what the cache evicts is small and dies young.
 */
export class AnswerCache {
  private readonly building = new Map<string, Promise<CachedAnswer>>();
  private readonly planning = new Map<string, Promise<{ entry: PlanEntry; record: AddonRecord } | undefined>>();
  /** Bumped by every change: a plan built from a read that raced a change (of any add-on) is not kept. */
  private changes = 0;

  constructor(
    private readonly source: AnswerSource,
    private readonly signer: AnswerSigner,
    readonly memory: ByteLru,
  ) {
    source.onChange?.((id) => this.retire(id));
  }

  /** The answer if it is ready now (no I/O, no rendering): the request fast path. */
  peek(id: string, query: PlannedQuery, key = planKey(id)): CachedAnswer | undefined {
    const entry = this.currentPlan(id, key);
    const planned = entry?.plan.answerFor(query);
    if (!entry || !planned) return undefined;
    this.account(key, entry);
    return this.memory.get<CachedAnswer>(planned.key);
  }

  /** The answer, planned, rendered and signed if needed; undefined for an unknown add-on. */
  async get(id: string, query: PlannedQuery): Promise<CachedAnswer | undefined> {
    const key = planKey(id);
    let entry = this.currentPlan(id, key);
    let record: AddonRecord | undefined;
    if (!entry) {
      const built = await this.buildPlan(id);
      if (!built) return undefined;
      ({ entry, record } = built);
    }
    let planned = entry.plan.answerFor(query);
    if (!planned) {
      record ??= await this.recordOf(entry);
      // The add-on changed while this request waited: plan again from its new state.
      if (!record) return this.get(id, query);
      planned = entry.plan.answerFor(query, record)!;
    }
    this.account(key, entry);
    const ready = this.memory.get<CachedAnswer>(planned.key);
    if (ready) return ready;
    let pending = this.building.get(planned.key);
    if (!pending) {
      const done = planned.key;
      pending = this.render(entry, planned, record).finally(() => this.building.delete(done));
      this.building.set(planned.key, pending);
    }
    return pending;
  }

  private async render(entry: PlanEntry, planned: PlannedAnswer, known: AddonRecord | undefined): Promise<CachedAnswer> {
    const record = known ?? (await this.recordOf(entry));
    if (!record) throw new Error(`${entry.id} changed while its answer was being built`);
    const options = await this.signer.documentOptions(record);
    const text = renderForRequest(record, planned.request, planned.format, options);
    // Its own allocation, not a slice of Node's shared 8 kB pool: a kept slice would pin the slab.
    const body = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
    body.write(text);
    const answer: CachedAnswer = { format: planned.format, body };
    // Kept only while its plan is current: an answer finished after a change is served once, not stored.
    if (this.memory.peek<PlanEntry>(planKey(entry.id)) === entry) {
      if (this.memory.set(planned.key, answer, body.length)) entry.answers.add(planned.key);
    }
    return answer;
  }

  /** The record the plan was built from, or undefined if the add-on has changed since. */
  private async recordOf(entry: PlanEntry): Promise<AddonRecord | undefined> {
    const record = await this.source.load(entry.id);
    return record?.revision === entry.revision && this.memory.peek(planKey(entry.id)) === entry ? record : undefined;
  }

  private currentPlan(id: string, key: string): PlanEntry | undefined {
    const entry = this.memory.get<PlanEntry>(key);
    if (!entry) return undefined;
    return this.source.revision(id) === entry.revision ? entry : undefined;
  }

  private buildPlan(id: string): Promise<{ entry: PlanEntry; record: AddonRecord } | undefined> {
    let pending = this.planning.get(id);
    if (!pending) {
      const changes = this.changes;
      pending = this.source
        .load(id)
        .then((record) => (record ? { entry: this.install(record, changes === this.changes), record } : undefined))
        .finally(() => this.planning.delete(id));
      this.planning.set(id, pending);
    }
    return pending;
  }

  private install(record: AddonRecord, current: boolean): PlanEntry {
    // Content-addressed: a plan rebuilt for the same content (after an eviction) finds its answers again.
    const digest = createHash('sha256').update(JSON.stringify(record)).digest('base64url').slice(0, 22);
    const entry: PlanEntry = {
      id: record.id,
      // Answer keys start with the stamp: "answer:" makes them their own kind in the shared cache.
      plan: new AnswerPlan(record, `answer:${record.id}\n${record.revision}\n${digest}`),
      revision: record.revision,
      answers: new Set(),
      accountedMemo: 0,
    };
    if (!current) return entry;
    this.retire(record.id, false);
    this.memory.set(planKey(record.id), entry, PLAN_BYTES);
    return entry;
  }

  /** Drops an add-on's plan and the answers built under it (they can never be asked for again). */
  private retire(id: string, changed = true): void {
    if (changed) this.changes++;
    const previous = this.memory.peek<PlanEntry>(planKey(id));
    if (!previous) return;
    for (const key of previous.answers) this.memory.delete(key);
    this.memory.delete(planKey(id));
  }

  /** Plans grow as they remember selection classes; their recorded size follows in steps. */
  private account(key: string, entry: PlanEntry): void {
    const memo = entry.plan.memoEntries;
    if (memo - entry.accountedMemo < 16) return;
    entry.accountedMemo = memo;
    this.memory.resize(key, PLAN_BYTES + memo * MEMO_ENTRY_BYTES);
  }
}
