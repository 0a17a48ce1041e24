// "All problems in one run": the parts of a catalog that break the schema are set aside, so the semantic and
// expression checks still run on the rest, and their findings about the removed parts are dropped.
import type { Diagnostic } from '../diagnostics.js';
import type { PathSegment, YamlSource } from '../load/yaml-source.js';
import type { RawCatalog } from '../model/raw.js';
import { schemaFaults } from './schema.js';

const LIST_SECTIONS = new Set(['services', 'categories', 'metrics', 'alerts', 'recording_rules', 'slos', 'dashboards']);
const MAP_SECTIONS = new Set(['labels', 'collectors']);
const REQUIRED_LISTS = ['services', 'categories', 'metrics'];

export interface Removed {
  labels: Set<string>;
  collectors: Set<string>;
  categories: Set<string>;
  metrics: Set<string>;
  /** Whole sections replaced by an empty one. */
  sections: Set<string>;
  /** List items set aside, as written, by section and index: checks of names across items still see their names. */
  items: Map<string, Map<number, unknown>>;
  /** Findings that only say a removed field is absent: the checks, at the value of this path. */
  absent: { at: PathSegment[]; checks: string[] }[];
}

/**
 * Optional fields of list items whose absence no check reads as a problem or as a different meaning: a field of
 * these that breaks the schema is removed and its item kept, so the item's other problems are still reported.
 * Per field, the findings its absence alone produces, dropped at the item's name. Every other field (a metric's
 * unit, labels, buckets, states, role or collector; a service's interval or exporter; a recording rule's labels)
 * changes what other checks conclude when it is gone, so a fault there still sets the item aside.
 */
export const REMOVABLE: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  services: { host: [], path: [], scheme: [], timeout: [], image: [], build: [], resources: [], monitor: [] },
  categories: { description: [] },
  metrics: { percentiles: [], max_age: [], age_buckets: [], aggregate: [], seed_name: [], note: [], optional: [] },
  alerts: { group: [], for: ['alert/for-missing'], keep_firing_for: [], runbook: [], labels: [], note: [] },
  recording_rules: { group: [] },
  slos: { window: [], service: [] },
  dashboards: { description: [] },
};
export const REMOVABLE_PANEL_FIELDS = new Set(['description', 'type', 'unit', 'legend', 'note', 'optional']);
/** Where the absence findings of an item are reported. */
const NAME_FIELD: Readonly<Record<string, string>> = { services: 'name', categories: 'id', metrics: 'name', alerts: 'name', recording_rules: 'record', slos: 'name', dashboards: 'id' };

/**
 * Required fields that are only text for the outputs (no check reads them but for being there): one that is missing
 * is filled with "" for the other checks, so an SLO without a description still has its selectors checked. Per
 * field, the findings of its absence that the schema already reported.
 */
export const TEXT_ONLY_REQUIRED: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  categories: { title: [] },
  alerts: { summary: ['alert/summary-missing'], description: ['alert/description-missing'] },
  slos: { description: [] },
  dashboards: { title: [] },
};

/** The field to remove for a fault, when it is a removable optional field of a list item (or of a panel). */
function removableField(path: readonly PathSegment[]): { at: PathSegment[]; field: string; absent: readonly string[] } | undefined {
  const [section, item, field, sub, subField] = path;
  if (typeof section !== 'string' || typeof item !== 'number' || typeof field !== 'string') return undefined;
  const own = Object.hasOwn(REMOVABLE, section) ? REMOVABLE[section]! : undefined;
  if (own && Object.hasOwn(own, field)) return { at: [section, item], field, absent: own[field]! };
  if (section === 'dashboards' && field === 'panels' && typeof sub === 'number' && typeof subField === 'string' && REMOVABLE_PANEL_FIELDS.has(subField)) {
    return { at: [section, item, field, sub], field: subField, absent: [] };
  }
  return undefined;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The catalog without the parts that break the schema; undefined when too little is left to check. */
export function pruneSchemaFaults(data: unknown): { data: RawCatalog; removed: Removed } | undefined {
  if (!isObj(data)) return undefined;
  const removed: Removed = { labels: new Set(), collectors: new Set(), categories: new Set(), metrics: new Set(), sections: new Set(), items: new Map(), absent: [] };
  const copy: Obj = Object.assign(Object.create(null) as Obj, data);
  const dropItems = new Map<string, Set<number>>();
  // An unknown key inside a list item says nothing the checks read: it is removed and the item is kept, so the
  // item's other problems are still reported. So is a removable optional field that breaks the schema (above).
  // Other faults set the whole item aside.
  for (const f of schemaFaults(data)) {
    if (f.keyword === 'additionalProperties' && f.path.length >= 2 && LIST_SECTIONS.has(String(f.path[0]))) {
      withoutKey(copy, f.path, String(f.params['additionalProperty']));
      continue;
    }
    const [section, item] = f.path;
    const missing = String(f.params['missingProperty']);
    if (f.keyword === 'required' && f.path.length === 2 && typeof section === 'string' && typeof item === 'number' && Object.hasOwn(TEXT_ONLY_REQUIRED, section) && Object.hasOwn(TEXT_ONLY_REQUIRED[section]!, missing)) {
      withKey(copy, [section, item], missing, '');
      const checks = TEXT_ONLY_REQUIRED[section]![missing]!;
      if (checks.length) removed.absent.push({ at: [section, item, NAME_FIELD[section]!], checks: [...checks] });
      continue;
    }
    const r = removableField(f.path);
    if (!r) continue;
    withoutKey(copy, r.at, r.field);
    if (r.absent.length) removed.absent.push({ at: [...r.at, NAME_FIELD[String(r.at[0])]!], checks: [...r.absent] });
  }
  // Indexes are stable (nothing is removed from a list above), so the faults left are located as in the input.
  for (const f of schemaFaults(copy)) {
    const [section, item] = f.path;
    if (section === undefined) {
      if (f.keyword === 'required' && REQUIRED_LISTS.includes(String(f.params['missingProperty']))) copy[String(f.params['missingProperty'])] = [];
      else if (f.keyword === 'additionalProperties') delete copy[String(f.params['additionalProperty'])];
      else return undefined;
      continue;
    }
    const key = String(section);
    if (LIST_SECTIONS.has(key) && typeof item === 'number') {
      if (!dropItems.has(key)) dropItems.set(key, new Set());
      dropItems.get(key)!.add(item);
    } else if (MAP_SECTIONS.has(key) && typeof item === 'string' && isObj(copy[key])) {
      if (key === 'labels') removed.labels.add(item);
      else removed.collectors.add(item);
      const m = Object.assign(Object.create(null) as Obj, copy[key]);
      delete m[item];
      copy[key] = m;
    } else if (LIST_SECTIONS.has(key) || MAP_SECTIONS.has(key)) {
      removed.sections.add(key);
      copy[key] = LIST_SECTIONS.has(key) ? [] : Object.create(null);
    } else if (key === 'namespace' || key === 'apiVersion') {
      return undefined;
    } else {
      delete copy[key];
    }
  }
  for (const [key, items] of dropItems) {
    const list = copy[key];
    if (!Array.isArray(list)) continue;
    // Keep indexes stable (diagnostics locate items by index): a removed item becomes a hole that checks skip.
    const setAside = new Map<number, unknown>();
    removed.items.set(key, setAside);
    const asWritten = data[key];
    copy[key] = list.map((it: unknown, i) => {
      if (!items.has(i)) return it;
      setAside.set(i, Array.isArray(asWritten) ? (asWritten as unknown[])[i] : it);
      const name = isObj(it) ? (key === 'metrics' ? it['name'] : key === 'categories' ? it['id'] : undefined) : undefined;
      if (typeof name === 'string') (key === 'metrics' ? removed.metrics : removed.categories).add(name);
      else if (key === 'metrics' || key === 'categories') removed.sections.add(key);
      return undefined;
    });
  }
  // What is left must be schema-valid but for lists that lost all their items.
  const left = schemaFaults(withoutHoles(copy));
  if (left.some((f) => f.keyword !== 'minItems')) return undefined;
  return { data: withHolesSkipped(copy), removed };
}

/** Sets `key` of the object at `path` in `root`, copying each container on the way so the input stays as read. */
function withKey(root: Obj, path: readonly (string | number)[], key: string, value: unknown): void {
  const parent = copiedPath(root, path);
  if (parent && !Array.isArray(parent)) parent[key] = value;
}

/** Deletes `key` from the object at `path` in `root`, copying each container on the way so the input stays as read. */
function withoutKey(root: Obj, path: readonly (string | number)[], key: string): void {
  const parent = copiedPath(root, path);
  if (parent && !Array.isArray(parent)) delete parent[key];
}

/** The container at `path` in `root`, each container on the way replaced by a copy; undefined when the path is not there. */
function copiedPath(root: Obj, path: readonly (string | number)[]): Obj | unknown[] | undefined {
  let parent: Obj | unknown[] = root;
  for (const step of path) {
    const child: unknown = Array.isArray(parent) ? parent[Number(step)] : parent[String(step)];
    const copy: Obj | unknown[] | undefined = Array.isArray(child) ? [...(child as unknown[])] : isObj(child) ? Object.assign(Object.create(null) as Obj, child) : undefined;
    if (!copy) return undefined;
    if (Array.isArray(parent)) parent[Number(step)] = copy;
    else parent[String(step)] = copy;
    parent = copy;
  }
  return parent;
}

function withoutHoles(o: Obj): Obj {
  const out: Obj = Object.assign(Object.create(null) as Obj, o);
  for (const k of LIST_SECTIONS) if (Array.isArray(out[k])) out[k] = (out[k] as unknown[]).filter((x) => x !== undefined);
  return out;
}

/**
 * Lists keep their removed items' places so every later diagnostic still points at the right item: the
 * semantic checks see a list with the removed items' places left out of iteration (a sparse array).
 */
function withHolesSkipped(o: Obj): RawCatalog {
  const out: Obj = Object.assign(Object.create(null) as Obj, o);
  for (const k of LIST_SECTIONS) {
    const list = out[k];
    if (!Array.isArray(list)) continue;
    const sparse: unknown[] = new Array(list.length);
    list.forEach((x, i) => {
      if (x !== undefined) sparse[i] = x;
    });
    out[k] = sparse;
  }
  return out as unknown as RawCatalog;
}

/** Findings that only say a removed part is missing (an unknown label it defined, a metric it named). */
export function withoutPrunedEchoes(diags: Diagnostic[], removed: Removed, source: YamlSource): Diagnostic[] {
  const absent = removed.absent.map((a) => ({ start: source.locate(a.at).start, checks: a.checks }));
  const sameStart = (x: Diagnostic['start'], y: Diagnostic['start']) => x !== undefined && y !== undefined && x.line === y.line && x.column === y.column;
  diags = diags.filter((d) => !absent.some((a) => a.checks.includes(d.check) && sameStart(a.start, d.start)));
  const names = (set: Set<string>) => [...set].map((n) => `"${n}"`);
  const echoes: [RegExp, string[]][] = [
    [/^label-unknown$/, names(removed.labels)],
    [/^collector-unknown$/, names(removed.collectors)],
    [/^category-unknown$/, names(removed.categories)],
  ];
  const anyMetricGone = removed.metrics.size > 0 || removed.sections.has('metrics');
  return diags.filter((d) => {
    if (removed.sections.has('labels') && d.check === 'label-unknown') return false;
    if (removed.sections.has('collectors') && d.check === 'collector-unknown') return false;
    if (removed.sections.has('categories') && d.check === 'category-unknown') return false;
    if (anyMetricGone && (d.check === 'label-unused' || d.check === 'collector-unused')) return false;
    if (anyMetricGone && (d.check.startsWith('promql/') || d.check.startsWith('slo-')) && /not in the catalog|unknown metric/i.test(d.message)) {
      if (removed.sections.has('metrics') || [...removed.metrics].some((m) => d.message.includes(`_${m}`))) return false;
    }
    return !echoes.some(([re, list]) => re.test(d.check) && list.some((n) => d.message.includes(n)));
  });
}
