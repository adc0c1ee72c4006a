// Entry point: parse the environment, connect, serve the API and the dashboard; exit 1 on failure.
import { ConfigError } from '@tally/config';
import { silenceKafkajsTimerWarning } from '@tally/kafka';
import pino from 'pino';
import { loadConfig } from './config.ts';
import { startReports } from './reports-app.ts';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = pino({ level: config.logLevel, base: { service: 'reports' } });
  const reports = await startReports(config, log);
  await reports.server.listen({ port: config.port, host: config.host });
  log.info(
    { event: 'reports_started', port: config.port, kafka: config.kafkaSecurity.describe },
    `reports and dashboard at http://${config.host}:${config.port}/`,
  );
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      setTimeout(() => process.exit(1), 10_000).unref();
      reports.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ event: 'reports_stop_failed', err: error }, 'reports stop failed');
          process.exit(1);
        },
      );
    });
  }
}

silenceKafkajsTimerWarning();

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
