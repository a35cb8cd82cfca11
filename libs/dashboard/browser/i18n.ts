// Labels in English and Japanese, the chosen language (kept in localStorage), and dates in the
// user's own time zone (Intl picks it up from the browser).
import { RULE_TITLES_JA } from './rule-titles-ja.js';

export type Lang = 'en' | 'ja';

const EN = {
  appName: 'Kanshi',
  appTagline: 'AI model compliance monitoring',
  navInbox: 'Alert inbox',
  navPosture: 'Model posture',
  navSilences: 'Silences',
  signOut: 'Sign out',
  switchLanguage: '日本語',
  switchLanguageLabel: 'Switch the language to Japanese',
  signInTitle: 'Sign in',
  signInIntro: 'Paste a Kanshi API key. It is kept in this browser tab only (session storage) and sent to the API with every request.',
  apiKey: 'API key',
  signIn: 'Sign in',
  signingIn: 'Signing in…',
  keyRefused: 'The API refused the key. Sign in again.',
  keyCannotRead: 'This key cannot read alerts: use a key with the viewer, risk_officer or admin role. ({detail})',
  signedInAs: '{key} · tenant {tenant}',
  roles: 'Roles',
  rolesUnknown: 'roles not reported by the API',
  readOnly: 'Read only',
  timeZone: 'Times in {zone}',
  dismiss: 'Dismiss',
  loading: 'Loading…',
  errorTitle: 'Error',
  networkError: 'Cannot reach the Kanshi API',
  filters: 'Filters',
  status: 'Status',
  severity: 'Severity',
  sector: 'Sector',
  model: 'Model',
  modelPlaceholder: 'model id',
  rule: 'Rule',
  any: 'Any',
  apply: 'Apply',
  clearFilters: 'Clear filters',
  sortBy: 'Sort by',
  sortLastSeen: 'Last seen (newest first)',
  sortSeverity: 'Severity (highest first)',
  sortDue: 'Due (soonest first)',
  occurrences: 'Occurrences',
  lastSeen: 'Last seen',
  firstSeen: 'First seen',
  due: 'Due',
  assignee: 'Assignee',
  unassigned: 'Unassigned',
  noAlerts: 'No alerts match these filters.',
  loadMore: 'Load more',
  liveUpdated: 'Live: refreshed every 10 s · last {time}',
  livePaused: 'Live refresh paused while the tab is hidden',
  shownCount: '{count} alerts shown',
  backToInbox: '← Alert inbox',
  details: 'Details',
  alertId: 'Alert id',
  fingerprint: 'Fingerprint',
  scope: 'Scope',
  module: 'Module',
  openedAt: 'Opened',
  acknowledgedAt: 'Acknowledged',
  resolvedAt: 'Resolved',
  clearSince: 'Clear since (auto-resolve countdown)',
  silencedBy: 'Silenced by',
  notifiedAt: 'Last notified',
  escalationLevel: 'Escalation level',
  ruleSection: 'Rule',
  source: 'Source',
  rationale: 'Why it matters',
  defaultSeverity: 'Default severity',
  englishTitle: 'English title',
  thresholds: 'Thresholds and arguments in force',
  argument: 'Argument',
  inForce: 'In force',
  ruleDefault: 'Rule default',
  changedFromDefault: 'changed from the default',
  noArgs: 'This rule takes no arguments.',
  observed: 'Observed',
  evidence: 'Evidence',
  eventIds: 'Event ids',
  noEvidence: 'No evidence events recorded.',
  history: 'History',
  occurrencesOverTime: 'Occurrences over time (per day, event time)',
  noOccurrences: 'No finding recorded yet.',
  occurrenceBar: '{at}: {count} finding(s), worst {severity}',
  repeatedTimes: '{times} times, {first} – {last}',
  notifications: 'Notifications',
  noNotifications: 'No notification has named this alert.',
  channel: 'Channel',
  kind: 'Kind',
  level: 'Level',
  attempts: 'Attempts',
  lastError: 'Last error',
  created: 'Created',
  delivered: 'Delivered',
  actions: 'Actions',
  comment: 'Comment (kept in the history)',
  commentPlaceholder: 'Why: what you checked, who you told, what happens next',
  acknowledge: 'Acknowledge',
  resolve: 'Resolve',
  reopen: 'Reopen',
  addComment: 'Add comment',
  assign: 'Assign',
  unassign: 'Unassign',
  assigneePlaceholder: 'e.g. mlops-oncall@bank.example',
  commentRequired: 'Write a comment first.',
  assigneeRequired: 'Name an assignee first.',
  doneAck: 'Acknowledged.',
  doneResolve: 'Resolved.',
  doneReopen: 'Reopened.',
  doneComment: 'Comment added.',
  doneAssign: 'Assignment saved.',
  by: 'by {who}',
  system: 'Kanshi',
  postureTitle: 'Model posture by sector',
  postureIntro: 'Open alerts (firing, acknowledged or silenced) of each model, by severity and rule.',
  models: 'Models',
  openAlerts: 'Open alerts',
  rulesFiring: 'Rules with open alerts',
  allClear: 'No open alerts',
  notJudged: 'Not judged (too few samples in the last window)',
  riskTier: 'Risk tier',
  owner: 'Owner',
  deployed: 'Deployed version',
  noSector: 'No sector',
  notInInventory: 'Not in the inventory',
  notInInventoryHint: 'Models that raise alerts but are not registered (rule G1).',
  retired: 'retired',
  noModels: 'No models in this sector.',
  truncated: 'Only the first {count} were loaded.',
  silencesTitle: 'Silences',
  silencesIntro: 'Alerts a silence matches are recorded but not notified while it is in force.',
  newSilence: 'New silence',
  matchers: 'Matchers',
  severities: 'Severities',
  sectors: 'Sectors',
  modelIds: 'Model ids (comma-separated)',
  ruleIds: 'Rule ids (comma-separated)',
  reason: 'Reason',
  startsAt: 'Starts',
  endsAt: 'Ends',
  startsNow: 'Leave empty to start now.',
  createSilence: 'Create silence',
  silenceCreated: 'Silence created.',
  expire: 'Expire now',
  silenceExpired: 'Silence expired.',
  state: 'State',
  createdBy: 'Created by',
  noSilences: 'No silences yet.',
  matchAny: 'any',
  stateActive: 'Active',
  statePending: 'Pending',
  stateExpired: 'Expired',
} as const;

export type MessageKey = keyof typeof EN;

const JA: Readonly<Record<MessageKey, string>> = {
  appName: '監視 Kanshi',
  appTagline: 'AIモデルのコンプライアンス監視',
  navInbox: 'アラート受信箱',
  navPosture: 'モデルの状況',
  navSilences: 'サイレンス',
  signOut: 'サインアウト',
  switchLanguage: 'English',
  switchLanguageLabel: '表示言語を英語に切り替える',
  signInTitle: 'サインイン',
  signInIntro: 'Kanshi の API キーを貼り付けてください。キーはこのタブ内（セッションストレージ）にのみ保存され、API へのリクエストごとに送信されます。',
  apiKey: 'API キー',
  signIn: 'サインイン',
  signingIn: 'サインイン中…',
  keyRefused: 'API がキーを受け付けませんでした。もう一度サインインしてください。',
  keyCannotRead: 'このキーではアラートを閲覧できません。viewer、risk_officer または admin ロールのキーを使ってください。（{detail}）',
  signedInAs: '{key} · テナント {tenant}',
  roles: 'ロール',
  rolesUnknown: 'API からロールが返されませんでした',
  readOnly: '閲覧のみ',
  timeZone: '時刻は {zone} で表示',
  dismiss: '閉じる',
  loading: '読み込み中…',
  errorTitle: 'エラー',
  networkError: 'Kanshi API に接続できません',
  filters: '絞り込み',
  status: 'ステータス',
  severity: '重大度',
  sector: 'セクター',
  model: 'モデル',
  modelPlaceholder: 'モデル ID',
  rule: 'ルール',
  any: 'すべて',
  apply: '適用',
  clearFilters: '絞り込みを解除',
  sortBy: '並べ替え',
  sortLastSeen: '最終検知（新しい順）',
  sortSeverity: '重大度（高い順）',
  sortDue: '期限（近い順）',
  occurrences: '発生回数',
  lastSeen: '最終検知',
  firstSeen: '初回検知',
  due: '期限',
  assignee: '担当者',
  unassigned: '未割り当て',
  noAlerts: '条件に一致するアラートはありません。',
  loadMore: 'さらに読み込む',
  liveUpdated: '自動更新：10秒ごと · 最終更新 {time}',
  livePaused: 'タブが非表示の間は自動更新を停止しています',
  shownCount: '{count} 件を表示中',
  backToInbox: '← アラート受信箱',
  details: '詳細',
  alertId: 'アラート ID',
  fingerprint: 'フィンガープリント',
  scope: 'スコープ',
  module: 'モジュール',
  openedAt: '発生日時',
  acknowledgedAt: '確認日時',
  resolvedAt: '解決日時',
  clearSince: '正常化した時刻（自動解決までのカウントダウン）',
  silencedBy: 'サイレンス',
  notifiedAt: '最終通知',
  escalationLevel: 'エスカレーションレベル',
  ruleSection: 'ルール',
  source: '根拠（法令・ガイドライン）',
  rationale: '趣旨',
  defaultSeverity: '既定の重大度',
  englishTitle: '英語名',
  thresholds: '適用中の閾値・引数',
  argument: '引数',
  inForce: '適用値',
  ruleDefault: 'ルールの既定値',
  changedFromDefault: '既定値から変更',
  noArgs: 'このルールに引数はありません。',
  observed: '観測値',
  evidence: '証跡',
  eventIds: 'イベント ID',
  noEvidence: '証跡イベントは記録されていません。',
  history: '履歴',
  occurrencesOverTime: '発生回数の推移（日ごと、イベント時刻）',
  noOccurrences: '検知はまだ記録されていません。',
  occurrenceBar: '{at}：{count} 件（最大重大度 {severity}）',
  repeatedTimes: '{times} 回（{first} ～ {last}）',
  notifications: '通知',
  noNotifications: 'このアラートの通知はまだありません。',
  channel: 'チャネル',
  kind: '種類',
  level: 'レベル',
  attempts: '試行回数',
  lastError: '直近のエラー',
  created: '作成',
  delivered: '配信',
  actions: '対応',
  comment: 'コメント（履歴に残ります）',
  commentPlaceholder: '理由：確認した内容、連絡した相手、今後の対応',
  acknowledge: '確認する',
  resolve: '解決する',
  reopen: '再オープン',
  addComment: 'コメントを追加',
  assign: '割り当て',
  unassign: '割り当て解除',
  assigneePlaceholder: '例: mlops-oncall@bank.example',
  commentRequired: '先にコメントを入力してください。',
  assigneeRequired: '先に担当者を入力してください。',
  doneAck: '確認しました。',
  doneResolve: '解決しました。',
  doneReopen: '再オープンしました。',
  doneComment: 'コメントを追加しました。',
  doneAssign: '割り当てを保存しました。',
  by: '{who}',
  system: 'Kanshi（自動）',
  postureTitle: 'セクター別のモデルの状況',
  postureIntro: '各モデルの未解決アラート（発生中・確認済み・サイレンス中）を重大度とルール別に表示します。',
  models: 'モデル',
  openAlerts: '未解決アラート',
  rulesFiring: '未解決アラートのあるルール',
  allClear: '未解決アラートなし',
  notJudged: '判定不能（直近のウィンドウのサンプル不足）',
  riskTier: 'リスク区分',
  owner: '責任者',
  deployed: '稼働バージョン',
  noSector: 'セクターなし',
  notInInventory: 'モデル台帳に未登録',
  notInInventoryHint: 'アラートを発しているが登録されていないモデル（ルール G1）。',
  retired: '廃止',
  noModels: 'このセクターのモデルはありません。',
  truncated: '最初の {count} 件のみ読み込みました。',
  silencesTitle: 'サイレンス',
  silencesIntro: 'サイレンスに一致するアラートは、有効な間は記録されますが通知されません。',
  newSilence: '新しいサイレンス',
  matchers: '対象',
  severities: '重大度',
  sectors: 'セクター',
  modelIds: 'モデル ID（カンマ区切り）',
  ruleIds: 'ルール ID（カンマ区切り）',
  reason: '理由',
  startsAt: '開始',
  endsAt: '終了',
  startsNow: '空欄の場合は今すぐ開始します。',
  createSilence: 'サイレンスを作成',
  silenceCreated: 'サイレンスを作成しました。',
  expire: '今すぐ終了',
  silenceExpired: 'サイレンスを終了しました。',
  state: '状態',
  createdBy: '作成者',
  noSilences: 'サイレンスはまだありません。',
  matchAny: 'すべて',
  stateActive: '有効',
  statePending: '開始前',
  stateExpired: '終了',
};

const MESSAGES: Readonly<Record<Lang, Readonly<Record<MessageKey, string>>>> = { en: EN, ja: JA };

const SEVERITY_LABELS: Readonly<Record<Lang, Readonly<Record<string, string>>>> = {
  en: { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low' },
  ja: { critical: '緊急', high: '高', medium: '中', low: '低' },
};

const STATUS_LABELS: Readonly<Record<Lang, Readonly<Record<string, string>>>> = {
  en: { firing: 'Firing', acknowledged: 'Acknowledged', silenced: 'Silenced', resolved: 'Resolved' },
  ja: { firing: '発生中', acknowledged: '確認済み', silenced: 'サイレンス中', resolved: '解決済み' },
};

/** Sector ids of `@kanshi/contracts` (the APPI rules belong to module privacy-appi, which applies to every sector). */
const SECTOR_LABELS: Readonly<Record<Lang, Readonly<Record<string, string>>>> = {
  en: { general: 'General', finance: 'Finance', medical: 'Medical', platform: 'Platform' },
  ja: { general: '一般', finance: '金融', medical: '医療', platform: 'プラットフォーム' },
};

const MODULE_LABELS: Readonly<Record<Lang, Readonly<Record<string, string>>>> = {
  en: { general: 'General (AI Guidelines for Business)', 'finance-fsa': 'Finance (FSA)', 'medical-pmda': 'Medical (PMD Act)', 'privacy-appi': 'Privacy (APPI)' },
  ja: { general: '一般（AI事業者ガイドライン）', 'finance-fsa': '金融（金融庁）', 'medical-pmda': '医療（薬機法）', 'privacy-appi': '個人情報（個人情報保護法）' },
};

const HISTORY_LABELS: Readonly<Record<Lang, Readonly<Record<string, string>>>> = {
  en: {
    created: 'Raised',
    occurrence: 'Fired again',
    severity_raised: 'Severity raised',
    acknowledged: 'Acknowledged',
    assigned: 'Assigned',
    commented: 'Comment',
    escalated: 'Escalated',
    silenced: 'Silenced',
    unsilenced: 'Silence ended',
    resolved: 'Resolved',
    reopened: 'Reopened',
    reminded: 'Deadline reminder',
    deadline_missed: 'Deadline missed',
    report_submitted: 'Report submitted',
  },
  ja: {
    created: '発生',
    occurrence: '再検知',
    severity_raised: '重大度の引き上げ',
    acknowledged: '確認',
    assigned: '割り当て',
    commented: 'コメント',
    escalated: 'エスカレーション',
    silenced: 'サイレンス',
    unsilenced: 'サイレンス終了',
    resolved: '解決',
    reopened: '再オープン',
    reminded: '期限リマインダー',
    deadline_missed: '期限超過',
    report_submitted: '報告提出',
  },
};

const LANG_KEY = 'kanshi.lang';

function initialLang(): Lang {
  const stored = localStorage.getItem(LANG_KEY);
  if (stored === 'en' || stored === 'ja') return stored;
  return navigator.language.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

let current: Lang = initialLang();

export function lang(): Lang {
  return current;
}

/** Switches the language and remembers it for the next visit. */
export function setLang(next: Lang): void {
  current = next;
  localStorage.setItem(LANG_KEY, next);
  document.documentElement.lang = next;
}

/** A message in the current language, `{name}` placeholders filled from `vars`. */
export function t(key: MessageKey, vars: Readonly<Record<string, string | number>> = {}): string {
  return MESSAGES[current][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

const label = (table: Readonly<Record<Lang, Readonly<Record<string, string>>>>, id: string): string => table[current][id] ?? id;

export const severityLabel = (severity: string): string => label(SEVERITY_LABELS, severity);
export const statusLabel = (status: string): string => label(STATUS_LABELS, status);
export const sectorLabel = (sector: string): string => label(SECTOR_LABELS, sector);
export const moduleLabel = (moduleId: string): string => label(MODULE_LABELS, moduleId);
export const historyLabel = (action: string): string => label(HISTORY_LABELS, action);

/** A rule's title in the current language; plug-in rules (no Japanese title) keep their English one. */
export function ruleTitle(ruleId: string, englishTitle: string): string {
  return current === 'ja' ? (RULE_TITLES_JA[ruleId] ?? englishTitle) : englishTitle;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Date and time in the browser's time zone, with the zone named, in the current language. */
export function formatTime(iso: string | null): string {
  if (iso === null) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  let format = formatters.get(current);
  if (!format) {
    // dateStyle/timeStyle cannot be combined with timeZoneName, hence the fields one by one.
    format = new Intl.DateTimeFormat(current === 'ja' ? 'ja-JP' : 'en-GB', {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'short',
    });
    formatters.set(current, format);
  }
  return format.format(date);
}

/** The browser's time zone, e.g. `Asia/Tokyo`. */
export function timeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
