export { ALERT_ACTIONS, ALERT_STATUSES, SYSTEM_ACTOR, type AlertAction, type AlertStatus } from './alert-state';
export { ALERT_COMMANDS, planTransition, REOPENED_SET, type AlertCommand, type AlertCommandKind, type AlertLifecycleState, type HumanCommand, type SystemCommand, type TransitionPlan } from './alert-transitions';
export {
  ALERTING_SETTINGS_PATCH_SCHEMA,
  ALERTING_SETTINGS_SCHEMA,
  alertingSettingsProblems,
  DEFAULT_ALERTING_SETTINGS,
  mergeAlertingSettings,
  settingMs,
  type AlertingSettings,
  type AlertingSettingsPatch,
  type SettingsProblem,
} from './alerting-settings';
export { ALERT_EVIDENCE_SAMPLE, mergeRaises, planFindings, type FindingsPlan, type FindingsUpdate, type FreshFinding, type LockedAlert } from './finding-plan';
export { planFollowUps, type AlertFollowUpState, type FollowUpPlan, type GroupRunWanted, type TimedJobWanted } from './follow-up-plan';
export {
  channelsFor,
  matchesAlert,
  planNotifications,
  silenceFor,
  type AlertMatchers,
  type PlannedNotification,
  type RoutableAlert,
  type RouteRule,
  type SilenceRule,
} from './notification-plan';
export {
  clearVerdict,
  clockVerdict,
  dueMembers,
  escalationVerdict,
  nextGroupRun,
  type ClearableAlertState,
  type ClearVerdict,
  type GroupMember,
  type TimedAlertState,
  type TimedVerdict,
} from './timed-plan';
