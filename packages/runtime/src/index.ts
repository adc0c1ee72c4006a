export { addHealthRoutes, buildHealthServer, type HealthDeps, type Readiness, readinessOf } from './health-routes.ts';
export { createLogger, type Logger } from './logger.ts';
export { type Running, type RunOptions, runMain } from './run-main.ts';
