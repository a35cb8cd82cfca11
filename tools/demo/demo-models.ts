import type { Sector } from '@kanshi/contracts';

export const DEMO_TENANT = { id: 'demo', name: 'Kanshi demo (Sakura Bank & Minato General Hospital)' };

export interface DemoModel {
  readonly modelId: string;
  readonly name: string;
  readonly sectors: readonly Sector[];
  readonly riskTier: string;
  readonly owner: string;
  readonly intendedUse: string;
  readonly version: string;
  /** Registered in the inventory; the unregistered one makes the demo raise G1. */
  readonly registered: boolean;
}

export const DEMO_MODELS: readonly DemoModel[] = [
  {
    modelId: 'credit-scoring-v3',
    name: 'Retail credit scoring',
    sectors: ['finance'],
    riskTier: 'T1',
    owner: 'retail-credit-risk@sakura-bank.example',
    intendedUse: 'Unsecured personal loans up to JPY 5M for salaried applicants',
    version: '3.4.1',
    registered: true,
  },
  {
    modelId: 'ct-triage-ai',
    name: 'Chest CT triage (SaMD, class II)',
    sectors: ['medical'],
    riskTier: 'class-II',
    owner: 'radiology-ai@minato-hospital.example',
    intendedUse: 'Prioritise chest CT studies with suspected pulmonary nodules for radiologist review',
    version: '2.1.0',
    registered: true,
  },
  {
    modelId: 'news-recommender',
    name: 'Article recommender',
    sectors: ['platform'],
    riskTier: 'T3',
    owner: 'personalisation@sakura-bank.example',
    intendedUse: 'Rank financial news articles in the banking app',
    version: '5.0.2',
    registered: true,
  },
  {
    modelId: 'shadow-credit-limit',
    name: 'Credit limit uplift (shadow deployment, never registered)',
    sectors: ['finance'],
    riskTier: 'T1',
    owner: 'unknown',
    intendedUse: 'Card credit-limit increases',
    version: '0.9.0',
    registered: false,
  },
];
