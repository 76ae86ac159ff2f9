/** The pricing table lives in `src/config/pricing.ts` (the analysis and the logger price with it too). */
export * from '../config/pricing.js';
