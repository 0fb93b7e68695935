/**
 * An RDF graph as Mozilla's in-memory datasource holds it: resources named by URI strings,
 * literals, and integer literals (NC:parseType="Integer"). Duplicate statements collapse.
 */
export const RDF_NS = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
export const EM_NS = 'http://www.mozilla.org/2004/em-rdf#';
export const NC_NS = 'http://home.netscape.com/NC-rdf#';

/** Mozilla names blank nodes `rdf:#$…`; the update checker's serializer omits their `about`. */
export const ANONYMOUS_PREFIX = 'rdf:#$';

export type RdfNode =
  | { kind: 'resource'; uri: string }
  | { kind: 'literal'; value: string }
  | { kind: 'int'; value: number }
  | { kind: 'date'; value: string };

export interface Statement {
  subject: string;
  predicate: string;
  object: RdfNode;
}

export type ContainerType = 'Seq' | 'Bag' | 'Alt';

function nodeKey(node: RdfNode): string {
  return node.kind === 'resource' ? `r:${node.uri}` : `${node.kind}:${String(node.value)}`;
}

function statementKey(subject: string, predicate: string, object: RdfNode): string {
  return `${subject}\u0000${predicate}\u0000${nodeKey(object)}`;
}

export class RdfGraph {
  private readonly bySubject = new Map<string, Statement[]>();
  private readonly keys = new Set<string>();
  private readonly containerTypes = new Map<string, Set<ContainerType>>();
  private anonymousCounter = 0;

  /** A fresh blank node; the counter keeps tests deterministic where Mozilla uses random ids. */
  newAnonymous(): string {
    this.anonymousCounter += 1;
    return `${ANONYMOUS_PREFIX}${this.anonymousCounter}`;
  }

  add(subject: string, predicate: string, object: RdfNode): void {
    const key = statementKey(subject, predicate, object);
    if (this.keys.has(key)) return;
    this.keys.add(key);
    let list = this.bySubject.get(subject);
    if (!list) {
      list = [];
      this.bySubject.set(subject, list);
    }
    list.push({ subject, predicate, object });
  }

  /** Marks a resource as a container (rdf:instanceOf); a resource may carry several types. */
  makeContainer(uri: string, type: ContainerType): void {
    let types = this.containerTypes.get(uri);
    if (!types) {
      types = new Set();
      this.containerTypes.set(uri, types);
    }
    types.add(type);
  }

  /** The container kind the update checker's serializer sees: tested as Seq, then Alt, then Bag. */
  containerType(uri: string): ContainerType | undefined {
    const types = this.containerTypes.get(uri);
    if (!types) return undefined;
    return (['Seq', 'Alt', 'Bag'] as const).find((t) => types.has(t));
  }

  /** Appends a member with the next free ordinal (`rdf:_1`, `rdf:_2`, ...). */
  appendMember(container: string, member: RdfNode): void {
    const next = this.members(container).length + 1;
    this.add(container, `${RDF_NS}_${next}`, member);
  }

  /** Members in ordinal order, as nsIRDFContainer.GetElements yields them. */
  members(container: string): RdfNode[] {
    const result: RdfNode[] = [];
    for (let i = 1; ; i++) {
      const found = this.objects(container, `${RDF_NS}_${i}`);
      if (found.length === 0) return result;
      result.push(found[0]!);
    }
  }

  /** Drops every statement `subject predicate *` (used to replace an old em:signature). */
  removeAll(subject: string, predicate: string): void {
    const list = this.bySubject.get(subject);
    if (!list) return;
    const kept = list.filter((s) => s.predicate !== predicate);
    for (const st of list) {
      if (st.predicate === predicate) this.keys.delete(statementKey(subject, predicate, st.object));
    }
    this.bySubject.set(subject, kept);
  }

  /** How many statements (container membership included) point at each resource. */
  referenceCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const list of this.bySubject.values()) {
      for (const st of list) {
        if (st.object.kind === 'resource') counts.set(st.object.uri, (counts.get(st.object.uri) ?? 0) + 1);
      }
    }
    return counts;
  }

  hasSubject(uri: string): boolean {
    return (this.bySubject.get(uri)?.length ?? 0) > 0 || this.containerTypes.has(uri);
  }

  statementsAbout(subject: string): readonly Statement[] {
    return this.bySubject.get(subject) ?? [];
  }

  objects(subject: string, predicate: string): RdfNode[] {
    return this.statementsAbout(subject)
      .filter((s) => s.predicate === predicate)
      .map((s) => s.object);
  }

  /** First literal (or int) value of a property, or undefined. */
  literal(subject: string, predicate: string): string | undefined {
    for (const node of this.objects(subject, predicate)) {
      if (node.kind === 'literal' || node.kind === 'date') return node.value;
      if (node.kind === 'int') return String(node.value);
    }
    return undefined;
  }

  /** First resource value of a property, or undefined. */
  resource(subject: string, predicate: string): string | undefined {
    for (const node of this.objects(subject, predicate)) {
      if (node.kind === 'resource') return node.uri;
    }
    return undefined;
  }

  subjects(): string[] {
    return [...new Set([...this.bySubject.keys(), ...this.containerTypes.keys()])];
  }
}
