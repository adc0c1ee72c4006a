// Entry point: parse the environment, connect, serve the API and the dashboard; exit 1 on failure.
import { runMain, serve } from '@tally/runtime';
import { loadConfig } from './config.ts';
import { startReports } from './reports-app.ts';

runMain(() => serve('reports', loadConfig(process.env), startReports), { name: 'reports', stopTimeoutMs: 10_000 });
