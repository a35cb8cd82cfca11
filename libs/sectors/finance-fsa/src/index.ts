export { FinanceFsaSectorModule } from './finance-fsa-sector.module';
export { f1UnapprovedVersionDeployed } from './f1-unapproved-version-deployed.rule';
export { f2ValidationOverdue } from './f2-validation-overdue.rule';
export { f3ExplanationCoverage } from './f3-explanation-coverage.rule';
export { f4PerformanceMetricMissing } from './f4-performance-metric-missing.rule';
export { f5DiscriminationDrop } from './f5-discrimination-drop.rule';
export { f6CalibrationRatio } from './f6-calibration-ratio.rule';
