// Entry point: parse the environment, connect, serve the API and the dashboard; exit 1 on failure.
import { createLogger, runMain } from '@tally/runtime';
import { loadConfig } from './config.ts';
import { startReports } from './reports-app.ts';

runMain(
  async () => {
    const config = loadConfig(process.env);
    const log = createLogger('reports', config.logLevel);
    const reports = await startReports(config, log);
    await reports.server.listen({ port: config.port, host: config.host });
    log.info(
      { event: 'reports_started', port: config.port, kafka: config.kafkaSecurity.describe },
      `reports and dashboard at http://${config.host}:${config.port}/`,
    );
    return { log, stop: () => reports.stop() };
  },
  { name: 'reports', stopTimeoutMs: 10_000 },
);
