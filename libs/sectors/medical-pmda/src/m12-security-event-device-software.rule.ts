import { defineRule, Field, Type } from '@kanshi/policy-sdk';
import { firstTime, incidentOf, incidentScope } from './medical-rule-support';

/**
 * M12: a security incident reported against the device model. The incident names the model in
 * its envelope, so it touches the device software unless the producer says otherwise with the
 * optional payload field `affects_device_software: false` (not yet in the contract). One
 * finding per incident, however many updates follow.
 */
export const m12SecurityEventDeviceSoftware = defineRule({
  id: 'M12',
  title: 'Security event touching device software',
  rationale:
    'Cybersecurity of medical device software is part of the essential requirements; a security ' +
    'event on the device may change its safety and performance and must be assessed at once.',
  source: 'PMD Act essential requirements (Art. 41: cybersecurity of medical device software); MHLW cybersecurity guidance for medical devices',
  defaultSeverity: 'high',
  reads: ['incident'],
  args: Type.Object({}),
  initialState: () => ({ flagged: [] as string[] }),
  evaluate: ({ event, state }) => {
    const incident = incidentOf(event.payload);
    if (!incident || incident.type !== 'security' || event.payload['affects_device_software'] === false) return undefined;
    if (!firstTime(state.flagged, incident.id)) return undefined;
    return {
      scope: incidentScope(incident.id),
      occurrence: `security:${incident.id}`,
      observed: {
        incident_id: incident.id,
        incident_severity: Field.text(event.payload, 'severity') ?? null,
        version: event.model_version ?? null,
        awareness_time: Field.text(event.payload, 'awareness_time') ?? null,
      },
    };
  },
});
