// "All problems in one run": the parts of a catalog that break the schema are set aside, so the semantic and
// expression checks still run on the rest, and their findings about the removed parts are dropped.
import type { Diagnostic } from '../diagnostics.js';
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
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The catalog without the parts that break the schema; undefined when too little is left to check. */
export function pruneSchemaFaults(data: unknown): { data: RawCatalog; removed: Removed } | undefined {
  if (!isObj(data)) return undefined;
  const removed: Removed = { labels: new Set(), collectors: new Set(), categories: new Set(), metrics: new Set(), sections: new Set() };
  const copy: Obj = Object.assign(Object.create(null) as Obj, data);
  const dropItems = new Map<string, Set<number>>();
  // An unknown key inside a list item says nothing the checks read: it is removed and the item is kept, so the
  // item's other problems are still reported. Other faults set the whole item aside.
  const faults = schemaFaults(data);
  for (const f of faults) if (f.keyword === 'additionalProperties' && f.path.length >= 2 && LIST_SECTIONS.has(String(f.path[0]))) withoutKey(copy, f.path, String(f.params['additionalProperty']));
  for (const f of faults) {
    if (f.keyword === 'additionalProperties' && f.path.length >= 2 && LIST_SECTIONS.has(String(f.path[0]))) continue;
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
    copy[key] = list.map((it: unknown, i) => {
      if (!items.has(i)) return it;
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

/** Deletes `key` from the object at `path` in `root`, copying each container on the way so the input stays as read. */
function withoutKey(root: Obj, path: readonly (string | number)[], key: string): void {
  let parent: Obj | unknown[] = root;
  for (const step of path) {
    const child: unknown = Array.isArray(parent) ? parent[Number(step)] : parent[String(step)];
    const copy: Obj | unknown[] | undefined = Array.isArray(child) ? [...(child as unknown[])] : isObj(child) ? Object.assign(Object.create(null) as Obj, child) : undefined;
    if (!copy) return;
    if (Array.isArray(parent)) parent[Number(step)] = copy;
    else parent[String(step)] = copy;
    parent = copy;
  }
  if (!Array.isArray(parent)) delete parent[key];
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
export function withoutPrunedEchoes(diags: Diagnostic[], removed: Removed): Diagnostic[] {
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
