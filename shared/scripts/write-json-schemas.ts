/**
 * Write JSON Schema (draft 2020-12) files for the device events, fit for an EventBridge
 * schema registry: `npm run schemas [-- OUT_DIR]` (default shared/schemas).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DETAIL_TYPE_OF, DEVICE_EVENT_SCHEMAS, DeviceEvent } from '../src/index.js';

const outDir = process.argv[2] ?? join(import.meta.dirname, '..', 'schemas');
mkdirSync(outDir, { recursive: true });
const write = (name: string, schema: z.ZodType, title: string) => {
  const json = { ...z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }), title };
  const file = join(outDir, `${name}.schema.json`);
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  console.log(file);
};
for (const [type, schema] of Object.entries(DEVICE_EVENT_SCHEMAS)) {
  write(type, schema, DETAIL_TYPE_OF[type as keyof typeof DETAIL_TYPE_OF]);
}
write('device-event', DeviceEvent, 'Smartdoor device event');
