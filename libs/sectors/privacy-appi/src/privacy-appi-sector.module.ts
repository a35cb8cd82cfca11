import { SectorModule } from '@kanshi/policy-sdk';
import { p1TrainingLegalBasisNotAllowed } from './p1-training-legal-basis-not-allowed.rule';
import { p2TrainingWithoutPrivacyAssessment } from './p2-training-without-privacy-assessment.rule';
import { p3PseudonymisedDataSentOutside } from './p3-pseudonymised-data-sent-outside.rule';
import { p4PseudonymisedDataJoinedWithIdentifiers } from './p4-pseudonymised-data-joined-with-identifiers.rule';
import { p5StatisticalExceptionWithoutNotice } from './p5-statistical-exception-without-notice.rule';
import { p6SensitiveFeatureWithoutConsent } from './p6-sensitive-feature-without-consent.rule';
import { p7MinorDataWithoutGuardianConsent } from './p7-minor-data-without-guardian-consent.rule';
import { p8BreachWithoutPreliminaryReport } from './p8-breach-without-preliminary-report.rule';
import { p9OverseasTransferWithoutBasis } from './p9-overseas-transfer-without-basis.rule';
import { p10OptOutNotHonoured } from './p10-opt-out-not-honoured.rule';
import { p11RankingParamsNotDisclosed } from './p11-ranking-params-not-disclosed.rule';
import { p12UndisclosedExternalTransmission } from './p12-undisclosed-external-transmission.rule';
import { p13BreachFinalReportClock } from './p13-breach-final-report-clock.rule';

/** APPI and platform transparency laws: personal data in training, breaches, opt-outs and disclosures */
@SectorModule({
  id: 'privacy-appi',
  description: 'APPI and platform transparency laws: personal data in training, breaches, opt-outs and disclosures',
  sectors: 'all',
  rules: [
    p1TrainingLegalBasisNotAllowed,
    p2TrainingWithoutPrivacyAssessment,
    p3PseudonymisedDataSentOutside,
    p4PseudonymisedDataJoinedWithIdentifiers,
    p5StatisticalExceptionWithoutNotice,
    p6SensitiveFeatureWithoutConsent,
    p7MinorDataWithoutGuardianConsent,
    p8BreachWithoutPreliminaryReport,
    p9OverseasTransferWithoutBasis,
    p10OptOutNotHonoured,
    p11RankingParamsNotDisclosed,
    p12UndisclosedExternalTransmission,
    p13BreachFinalReportClock,
  ],
  compatibility: '^0.2.3',
})
export class PrivacyAppiSectorModule {}
