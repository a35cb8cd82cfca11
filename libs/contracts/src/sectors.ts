/** Sectors an event or a model can belong to. Persisted in inventory rows and alerts. */
export const SECTORS = ['general', 'finance', 'medical', 'platform'] as const;

export type Sector = (typeof SECTORS)[number];
