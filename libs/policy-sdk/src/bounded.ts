import { DAY_MS } from './duration';
import type { RuleFinding } from './rule';

/**
 * The scope of the finding a rule reports when a cap refused or dropped entries of its state
 * (see {@link Bounded.limitFinding}): one alert per rule and model says its check is incomplete.
 */
export const STATE_LIMIT_SCOPE = 'state-limit';

/** How {@link Bounded.set} keeps a map keyed by strings from telemetry within its cap. */
export interface BoundedMapLimit<V> {
  /** Most keys the map holds. */
  readonly max: number;
  /**
   * What an entry is worth keeping (a time, a priority): when the map is full, the
   * lowest-ranked tenth of it (at least one entry, the new one included) is dropped at once,
   * ties broken by key, so the same events always keep the same entries whatever order the
   * keys came back from a checkpoint in. Omit it to keep what is there and refuse new keys.
   */
  readonly rank?: (value: V, key: string) => number;
}

/** What {@link Bounded.set} did. */
export interface BoundedSetResult<V> {
  /** `true` when the key is in the map now; `false` when the map was full and the key was refused. */
  readonly kept: boolean;
  /** Entries dropped to make room (a rule clears their timers), oldest-ranked first. */
  readonly dropped: readonly (readonly [key: string, value: V])[];
}

const KEPT: BoundedSetResult<never> = Object.freeze({ kept: true, dropped: Object.freeze([]) });
const REFUSED: BoundedSetResult<never> = Object.freeze({ kept: false, dropped: Object.freeze([]) });

/**
 * Key counts of the maps `set` has seen, so adding to a map that is not full costs no count of
 * its keys. A hint only: entries a rule deletes directly make it too high, which the exact count
 * taken before anything is refused or dropped corrects.
 */
const sizes = new WeakMap<object, number>();

function put<V>(map: Record<string, V>, key: string, value: V): void {
  // `__proto__` from telemetry must become an entry, never the map's prototype.
  if (key === '__proto__') Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true });
  else map[key] = value;
}

/** The last UTC day named, since a flood past a cap names the same one for every event. */
let lastDay = { index: Number.NaN, text: '' };

function utcDay(time: number): string {
  const index = Math.floor(time / DAY_MS);
  if (index !== lastDay.index) lastDay = { index, text: new Date(index * DAY_MS).toISOString().slice(0, 10) };
  return lastDay.text;
}

/**
 * Caps for maps and lists in rule state whose keys come from telemetry (trace ids, incident
 * ids, feature names …). A producer can send any number of distinct keys, so every such map
 * needs a cap, and what happens at the cap must depend only on the events, never on timing or
 * on the order keys come back from a checkpoint: then a replay after a crash keeps exactly the
 * state the first run kept. Keys are looked up as own properties, so ids such as `constructor`
 * or `__proto__` are plain keys.
 *
 * @example Decisions awaiting review, at most 1,000; the rule says when it stops tracking
 * ```ts
 * const pending = Bounded.get(state.pending, trace);
 * const { kept } = Bounded.set(state.pending, trace, { at: time }, { max: args.maxPending });
 * if (!kept) return Bounded.limitFinding('pending reviews', args.maxPending, time);
 * timers.set(`review:${trace}`, time + reviewMs);
 * ```
 */
export const Bounded = {
  /** The entry of `key` if the map holds it as its own (never an inherited property). */
  get<V>(map: Readonly<Record<string, V>>, key: string): V | undefined {
    return Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined;
  },

  /** Whether the map holds `key` as its own. */
  has(map: Readonly<Record<string, unknown>>, key: string): boolean {
    return Object.prototype.hasOwnProperty.call(map, key);
  },

  /**
   * Sets `map[key] = value` within `limit.max` keys. An existing key is always updated. A new
   * key in a full map is refused, or, with a `rank`, makes the lowest-ranked tenth go (the new
   * entry too when it ranks that low). Costs O(1) until the map is full.
   */
  set<V>(map: Record<string, V>, key: string, value: V, limit: BoundedMapLimit<V>): BoundedSetResult<V> {
    if (Object.prototype.hasOwnProperty.call(map, key)) {
      map[key] = value;
      return KEPT;
    }
    const max = Math.max(1, Math.floor(limit.max));
    let size = sizes.get(map);
    if (size === undefined || size >= max) size = Object.keys(map).length;
    if (size < max) {
      put(map, key, value);
      sizes.set(map, size + 1);
      return KEPT;
    }
    if (!limit.rank) {
      sizes.set(map, size);
      return REFUSED;
    }
    const rank = limit.rank;
    const ranked = Object.keys(map).map((k) => ({ key: k, rank: rank(map[k] as V, k) }));
    ranked.push({ key, rank: rank(value, key) });
    ranked.sort((a, b) => a.rank - b.rank || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const drop = ranked.length - max + Math.floor(max / 10);
    const dropped: [string, V][] = [];
    let kept = true;
    for (const { key: gone } of ranked.slice(0, drop)) {
      if (gone === key) kept = false;
      else {
        dropped.push([gone, map[gone] as V]);
        delete map[gone];
      }
    }
    if (kept) put(map, key, value);
    sizes.set(map, ranked.length - drop);
    return { kept, dropped };
  },

  /** Deletes `key`; `true` when it was there. Keeps `set` from counting the map again. */
  delete(map: Record<string, unknown>, key: string): boolean {
    if (!Object.prototype.hasOwnProperty.call(map, key)) return false;
    delete map[key];
    const size = sizes.get(map);
    if (size !== undefined && size > 0) sizes.set(map, size - 1);
    return true;
  },

  /**
   * Remembers `key` in a list of at most `max`, dropping the oldest first; `true` the first
   * time the key is seen (while it is remembered). For "report once per incident" marks.
   */
  remember(seen: string[], key: string, max: number): boolean {
    if (seen.includes(key)) return false;
    seen.push(key);
    if (seen.length > max) seen.splice(0, seen.length - max);
    return true;
  },

  /**
   * The finding a rule reports when a cap refused or dropped entries: scope
   * {@link STATE_LIMIT_SCOPE}, severity medium, one occurrence per kind and UTC day (so a
   * flood is one finding a day, and a replay the same finding). `observed` says which cap.
   */
  limitFinding(kind: string, limit: number, time: number, observed: Readonly<Record<string, unknown>> = {}): RuleFinding {
    const day = utcDay(time);
    return {
      scope: STATE_LIMIT_SCOPE,
      severity: 'medium',
      occurrence: `${STATE_LIMIT_SCOPE}:${kind}@${day}`.slice(0, 200),
      observed: { state_limit: kind, limit, day, ...observed },
    };
  },
};
