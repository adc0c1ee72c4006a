// The queries the API runs, for callers that time them on their own data (`pnpm bench`).
export { queryAggregates } from './aggregates.ts';
export { parseAggregatesQuery, parseTopQuery } from './query-params.ts';
export { queryTop } from './top.ts';
