// The Kanshi API as the page uses it: same origin, the API key as a bearer token, errors as
// problem details.
import { ApiError } from './dom.js';
import { t } from './i18n.js';
import type { AlertDetail, AlertView, BundleView, Identity, JsonObject, ModelView, NotificationView, OccurrencesView, Page, PostureView, ProblemDetails, RuleView, SilenceView } from './types.js';

const KEY_STORAGE = 'kanshi.apiKey';

/** The signed-in key, kept for this tab only: gone when the tab closes. */
export const storedKey = {
  get: (): string | null => sessionStorage.getItem(KEY_STORAGE),
  set: (key: string): void => sessionStorage.setItem(KEY_STORAGE, key),
  clear: (): void => sessionStorage.removeItem(KEY_STORAGE),
};

export interface AlertFilter {
  readonly status?: string;
  readonly severity?: string;
  readonly sector?: string;
  readonly model?: string;
  readonly rule?: string;
}

export type AlertActionName = 'ack' | 'assign' | 'comments' | 'resolve' | 'reopen';

function isProblem(value: unknown): value is ProblemDetails {
  return typeof value === 'object' && value !== null && typeof (value as { title?: unknown }).title === 'string';
}

function query(params: Readonly<Record<string, string | number | undefined>>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** Called when the API refuses the key (401): the page signs out. */
let onUnauthorized: () => void = () => undefined;
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

export class KanshiApi {
  constructor(private readonly key: string) {}

  async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: object): Promise<T> {
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers: { Authorization: `Bearer ${this.key}`, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? null : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch (error) {
      throw new ApiError({ title: t('networkError'), status: 0, detail: error instanceof Error ? error.message : String(error) });
    }
    const text = await response.text();
    let parsed: unknown = null;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
    }
    if (!response.ok) {
      const problem: ProblemDetails = isProblem(parsed) ? parsed : { title: response.statusText || 'HTTP error', status: response.status, detail: text.slice(0, 300) };
      if (response.status === 401) onUnauthorized();
      throw new ApiError({ ...problem, status: response.status });
    }
    return parsed as T;
  }

  /**
   * Who the key is, from `GET /v1/me`. An API without that route (older than this page) is only
   * asked whether the key reads alerts; its roles stay unknown and the page offers no actions
   * (the safe side: the API would refuse a viewer anyway, but the page must not offer it).
   */
  async identify(): Promise<Identity> {
    try {
      const me = await this.request<{ tenant_id: string; tenant_name: string | null; key_id: string; key_name: string; roles: string[] }>('GET', '/v1/me');
      return {
        tenantId: me.tenant_id,
        tenantName: me.tenant_name,
        keyId: me.key_id,
        keyName: me.key_name,
        roles: me.roles,
        canAct: me.roles.includes('admin') || me.roles.includes('risk_officer'),
      };
    } catch (error) {
      if (!(error instanceof ApiError) || error.problem.status !== 404) throw error;
    }
    const sample = await this.request<Page<AlertView>>('GET', '/v1/alerts?limit=1');
    return { tenantId: sample.items[0]?.tenant_id ?? null, tenantName: null, keyId: null, keyName: null, roles: null, canAct: false };
  }

  alerts(filter: AlertFilter, limit: number, cursor?: string): Promise<Page<AlertView>> {
    return this.request('GET', `/v1/alerts${query({ ...filter, limit, cursor })}`);
  }

  alert(id: string): Promise<AlertDetail> {
    return this.request('GET', `/v1/alerts/${encodeURIComponent(id)}`);
  }

  /** How often the alert fired, per hour or day (event time), oldest first. */
  occurrencesOf(id: string, bucket: 'hour' | 'day'): Promise<OccurrencesView> {
    return this.request('GET', `/v1/alerts/${encodeURIComponent(id)}/occurrences?bucket=${bucket}&limit=60`);
  }

  notificationsOf(id: string): Promise<{ items: NotificationView[] }> {
    return this.request('GET', `/v1/alerts/${encodeURIComponent(id)}/notifications`);
  }

  act(id: string, action: AlertActionName, body: JsonObject): Promise<AlertDetail> {
    return this.request('POST', `/v1/alerts/${encodeURIComponent(id)}/${action}`, body);
  }

  rules(): Promise<{ items: RuleView[] }> {
    return this.request('GET', '/v1/policies/rules');
  }

  models(limit: number, cursor?: string): Promise<Page<ModelView>> {
    return this.request('GET', `/v1/models${query({ limit, cursor, include_retired: 'true' })}`);
  }

  /** Each model's posture, for the rules that could not judge (`rules.insufficient_data`). */
  posture(limit: number, cursor?: string): Promise<Page<PostureView>> {
    return this.request('GET', `/v1/posture${query({ limit, cursor })}`);
  }

  silences(limit: number, cursor?: string): Promise<Page<SilenceView>> {
    return this.request('GET', `/v1/silences${query({ state: 'all', limit, cursor })}`);
  }

  createSilence(body: JsonObject): Promise<SilenceView> {
    return this.request('POST', '/v1/silences', body);
  }

  expireSilence(id: string): Promise<SilenceView> {
    return this.request('DELETE', `/v1/silences/${encodeURIComponent(id)}`);
  }

  evidenceBundles(): Promise<{ items: BundleView[] }> {
    return this.request('GET', '/v1/evidence/bundles');
  }

  createEvidenceBundle(body: JsonObject): Promise<BundleView> {
    return this.request('POST', '/v1/evidence/bundles', body);
  }

  /**
   * A file the API serves to a key (a bundle's archive, a report draft): fetched with the key, as
   * a link cannot carry it, and handed to the browser to save under the name the API gives.
   */
  async download(path: string, fallbackName: string): Promise<void> {
    let response: Response;
    try {
      response = await fetch(path, { headers: { Authorization: `Bearer ${this.key}` }, cache: 'no-store' });
    } catch (error) {
      throw new ApiError({ title: t('networkError'), status: 0, detail: error instanceof Error ? error.message : String(error) });
    }
    if (!response.ok) {
      const text = await response.text();
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
      if (response.status === 401) onUnauthorized();
      throw new ApiError({ ...(isProblem(parsed) ? parsed : { title: response.statusText || 'HTTP error', detail: text.slice(0, 300) }), status: response.status });
    }
    const name = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') ?? '')?.[1] ?? fallbackName;
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement('a');
    link.href = url;
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  /** Every page of a list, up to `max` items; `truncated` when there were more. */
  async all<T>(load: (cursor: string | undefined) => Promise<Page<T>>, max: number): Promise<{ items: T[]; truncated: boolean }> {
    const items: T[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await load(cursor);
      items.push(...page.items);
      if (page.next_cursor === null) return { items, truncated: false };
      if (items.length >= max) return { items, truncated: true };
      cursor = page.next_cursor;
    }
  }
}

let rulesCache: Promise<ReadonlyMap<string, RuleView>> | null = null;

/** The rules the engine runs, by id; loaded once per sign-in (they change only with a deploy). */
export function rulesById(api: KanshiApi): Promise<ReadonlyMap<string, RuleView>> {
  rulesCache ??= api.rules().then(
    (r) => new Map(r.items.map((rule) => [rule.rule_id, rule])),
    (error: unknown) => {
      rulesCache = null;
      throw error;
    },
  );
  return rulesCache;
}

export function forgetRules(): void {
  rulesCache = null;
}
