import { APP, platformKeys, platformRequest, selectUpdates, type Candidate, type CompatMode, type UpdateRequest } from '../manifest/update-selection.ts';
import { clientFormat } from '../manifest/update-selection.ts';
import { isKnownApplication } from '../names/applications.ts';
import { compareParsed, parsedVersion, type ParsedVersion } from '../manifest/numeric-version.ts';
import { compareVersions } from '../version/toolkit-version.ts';
import { candidates, type AddonRecord, type VersionRecord } from './addon-record.ts';

/** A client's query, already validated (see app/update-queries.ts). */
export interface PlannedQuery {
  appId: string | undefined;
  appVersion: string | undefined;
  compatMode: CompatMode;
  os: string | undefined;
  abi: string | undefined;
  /**
   * The answer a plan gave this very object: callers that keep query objects for repeated URLs
   * skip planning. Keyed by the plan's stamp, so it never outlives a change or pins an old plan.
   */
  memo?: { stamp: string; answer: PlannedAnswer };
}

/** What a query is answered with: the cache key of the bytes, and how to render them on a miss. */
export interface PlannedAnswer {
  key: string;
  format: 'rdf' | 'json';
  /** A request that selects exactly what the query selects (platform and version normalised). */
  request: UpdateRequest;
}

/**
 * Which versions a query selects depends on its appVersion only through comparisons with the
 * ranges' bounds, and on its OS/ABI only through equality with the record's target platforms. A
 * plan, built once per record revision, turns a query into a key naming exactly the selected
 * (version, file, range) items, without rendering anything: all queries that select the same
 * items share one rendered, signed answer.
 *
 * A plan keeps only strings and numbers, not the record: it lives in the serving cache, and
 * what a cache evicts should be small. Planning a query of a class not seen yet needs the record
 * again (answerFor() then says so by returning undefined).
 */
export class AnswerPlan {
  private readonly targeted: ReadonlySet<string>;
  private readonly keys: readonly string[];
  private readonly platforms: readonly { os: string; abi?: string }[];
  /** Per application: its distinct range bounds, sorted oldest first. */
  private readonly bounds = new Map<string, ParsedVersion[]>();
  /** Selection class → answer keys per format (bounded by the record's shape, not by clients). */
  private readonly classes = new Map<string, { rdf: string; json: string }>();
  private readonly empty: { rdf: string; json: string };
  readonly defaultApp: string;

  constructor(
    record: AddonRecord,
    /** Names this record's content (id, revision, digest): part of every answer key. */
    readonly stamp: string,
    from: readonly Candidate<VersionRecord>[] = candidates(record),
  ) {
    // From the candidates, not targetedApps()/defaultJsonApp(): each of those sorts the versions again.
    this.targeted = new Set(from.flatMap((c) => c.targets.map((t) => t.appId)));
    this.keys = platformKeys(from);
    this.platforms = this.keys.map(platformRequest);
    this.defaultApp = this.targeted.has(APP.firefox) ? APP.firefox : ([...this.targeted].sort()[0] ?? APP.firefox);
    this.empty = { rdf: `${stamp}\nrdf\n`, json: `${stamp}\njson\n` };
    for (const appId of this.targeted) {
      const all = from.flatMap((c) => c.targets.filter((t) => t.appId === appId).flatMap((t) => [t.minVersion, t.maxVersion]));
      const sorted = [...new Set(all)].sort(compareVersions);
      // Bounds that compare equal ("1.0", "1.0.0") are one bound.
      this.bounds.set(appId, sorted.filter((v, i) => i === 0 || compareVersions(sorted[i - 1]!, v) !== 0).map(parsedVersion));
    }
  }

  /** Entries kept by the class memo, for the cache's accounting. */
  get memoEntries(): number {
    return this.classes.size;
  }

  /**
   * The answer key for a query. Undefined when its selection class is new and `record` (the one
   * this plan was built from) was not given: the caller loads it and asks again.
   */
  answerFor(query: PlannedQuery, record?: AddonRecord): PlannedAnswer | undefined {
    if (query.memo?.stamp === this.stamp) return query.memo.answer;
    const answer = this.plan(query, record);
    if (answer) query.memo = { stamp: this.stamp, answer };
    return answer;
  }

  private plan(query: PlannedQuery, record: AddonRecord | undefined): PlannedAnswer | undefined {
    const appId = query.appId ?? this.defaultApp;
    const format = clientFormat(appId, query.appVersion) === 'rdf' ? 'rdf' : 'json';
    const strict = query.compatMode === 'strict';
    const platform = query.appVersion === undefined && isKnownApplication(appId) && this.targeted.has(appId) ? this.staticPlatform(query) : this.normalPlatform(query);
    const request: UpdateRequest = { appId, appVersion: query.appVersion, compatMode: query.compatMode, ...platform };
    // An application no active version targets selects nothing, whatever else the query says.
    if (!this.targeted.has(appId)) return { key: this.empty[format], format, request };
    const cls = `${appId}\n${platform.os ?? ''}\n${platform.abi ?? ''}\n${strict ? 's' : 'n'}\n${this.versionClass(appId, query.appVersion)}`;
    let keys = this.classes.get(cls);
    if (keys === undefined) {
      if (!record) return undefined;
      const from = candidates(record);
      const index = new Map(from.map((c, i) => [c.item, i]));
      const items = selectUpdates(from, request)
        .map((s) => `${index.get(s.item)}.${s.item.targets.indexOf(s.target)}`)
        .join(',');
      keys = { rdf: `${this.stamp}\nrdf\n${items}`, json: `${this.stamp}\njson\n${items}` };
      this.classes.set(cls, keys);
    }
    return { key: keys[format], format, request };
  }

  /**
   * Without an appVersion the answer is the pre-rendered document nginx would pick from disk
   * (`<app>/<os>_<abi>`, then `<app>/<os>`, then `<app>`), so it selects as that document does.
   */
  private staticPlatform(query: PlannedQuery): { os?: string; abi?: string } {
    const tries = [query.os && query.abi ? `${query.os}_${query.abi}` : undefined, query.os].filter((t) => t !== undefined);
    const key = tries.find((t) => this.keys.includes(t));
    return key ? platformRequest(key) : {};
  }

  /**
   * platformFit only ever compares the client's OS and ABI with the record's platforms: a value
   * that matches none of them selects exactly as an absent one does.
   */
  private normalPlatform(query: PlannedQuery): { os?: string; abi?: string } {
    const os = query.os && this.platforms.some((p) => p.os === query.os) ? query.os : undefined;
    const abi = os && query.abi && this.platforms.some((p) => p.os === os && p.abi === query.abi) ? query.abi : undefined;
    return { ...(os ? { os } : {}), ...(abi ? { abi } : {}) };
  }

  /**
   * Where appVersion falls among the application's sorted bounds: 2i+1 when it equals bound i,
   * 2i when it lies between bounds i-1 and i. Versions in one class compare alike with every bound.
   */
  private versionClass(appId: string, appVersion: string | undefined): string {
    if (appVersion === undefined) return 'any';
    const bounds = this.bounds.get(appId);
    if (!bounds) return 'none';
    const version = parsedVersion(appVersion);
    let lo = 0;
    let hi = bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = compareParsed(version, bounds[mid]!);
      if (c === 0) return String(2 * mid + 1);
      if (c < 0) hi = mid;
      else lo = mid + 1;
    }
    return String(2 * lo);
  }
}
