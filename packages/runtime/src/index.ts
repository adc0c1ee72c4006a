// What every app's process does the same way: run, log, serve health and metrics.
export { addHealthRoutes, buildHealthServer, type HealthDeps, type Readiness, readinessOf } from './health-routes.ts';
export { createLogger, type Logger } from './logger.ts';
export { loadDotEnv, type Running, type RunOptions, runMain } from './run-main.ts';
export { type App, type ServedConfig, serve } from './serve.ts';
