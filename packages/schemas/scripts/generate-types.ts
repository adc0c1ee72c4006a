// `pnpm --filter @tally/schemas generate`: writes src/report-event.generated.ts from the .avsc files.
import { writeFileSync } from 'node:fs';
import { reportEventVersions } from '../src/schema-files.ts';
import { renderModule } from '../src/typegen.ts';

const target = new URL('../src/report-event.generated.ts', import.meta.url);
writeFileSync(target, renderModule(reportEventVersions()));
console.log(`wrote ${target.pathname}`);
