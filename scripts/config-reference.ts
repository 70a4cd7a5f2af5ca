/**
 * The config references, made from the config schemas themselves so the docs cannot drift
 * from the code: `npm run docs:config` writes them, and a test fails when a file differs
 * from what this would write.
 *   device/CONFIG.md           the agent's config file (AgentConfig)
 *   cloud/src/local/CONFIG.md  the local cloud's --config file (CloudConfig)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentConfig, CloudConfig } from '@smartdoor/shared';
import { z } from 'zod';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');

/** A JSON Schema node, as zod writes them (the parts a reference shows). */
export interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
  format?: string;
}

export interface ReferenceDoc {
  file: string;
  title: string;
  /** Markdown before the table: what the file is and where it is read from. */
  intro: string;
  schema: z.ZodType;
}

export const REFERENCE_DOCS: readonly ReferenceDoc[] = [
  {
    file: 'device/CONFIG.md',
    title: 'Agent config reference',
    intro:
      "Every field of the agent's config file (`/etc/smartdoor/agent.json`, or `--config FILE`); " +
      'an example is in [HARDWARE.md](HARDWARE.md#agent-config-etcsmartdooragentjson), with the ' +
      'environment variables that override it. Relative paths are taken from the config ' +
      "file's folder. Made from the schema (`shared/src/config/agent-config.ts`) by " +
      '`npm run docs:config`.',
    schema: AgentConfig,
  },
  {
    file: 'cloud/src/local/CONFIG.md',
    title: 'Local cloud config reference',
    intro:
      "Every field of the local cloud's config file (`smartdoor cloud --config FILE`, JSON); " +
      "the command's flags override the file's fields (`smartdoor cloud --help`). Made from " +
      'the schema (`shared/src/config/cloud-config.ts`) by `npm run docs:config`.',
    schema: CloudConfig,
  },
];

/** A zod schema as the JSON Schema node the reference reads (its input side: defaults optional). */
export function schemaNode(schema: z.ZodType): SchemaNode {
  return z.toJSONSchema(schema, { io: 'input' }) as SchemaNode;
}

/** The whole Markdown file for a reference. */
export function renderReference(doc: ReferenceDoc): string {
  const root = schemaNode(doc.schema);
  const lines = [
    `# ${doc.title}`,
    '',
    doc.intro,
    '',
    '| field | type | default | what it is |',
    '|---|---|---|---|',
    ...rows(root).map(
      (r) => `| \`${r.path}\` | ${cell(r.type)} | ${cell(r.default)} | ${cell(r.description)} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

interface Row {
  path: string;
  type: string;
  default: string;
  description: string;
}

/** One row a leaf field, objects opened into their fields (dotted paths). */
export function rows(node: SchemaNode, prefix = ''): Row[] {
  const out: Row[] = [];
  const required = new Set(node.required ?? []);
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    const opened = child.type === 'object' && Object.keys(child.properties ?? {}).length > 0;
    if (opened) {
      // An object whose default says something (credentials): that default, then its fields.
      if (isPlainObject(child.default) && Object.keys(child.default as object).length > 0) {
        out.push({
          path,
          type: 'object',
          default: code(child.default),
          description: child.description ?? '',
        });
      }
      out.push(...rows(child, path));
      continue;
    }
    out.push({
      path,
      type: typeText(child),
      default: child.default !== undefined ? code(child.default) : required.has(name) ? 'required' : '(none)',
      description: child.description ?? '',
    });
  }
  return out;
}

/** A field's type in words: enums listed, numbers with their range, formats named. */
export function typeText(node: SchemaNode): string {
  if (node.anyOf) return node.anyOf.map(typeText).join(' or ');
  if (node.enum) return node.enum.map(code).join(', ');
  if (node.const !== undefined) return code(node.const);
  switch (node.type) {
    case 'integer':
    case 'number':
      return `${node.type}${range(node.minimum, node.maximum)}`;
    case 'string':
      if (node.format === 'uri') return 'URL';
      if (node.pattern) return `string matching \`${node.pattern}\``;
      return node.minLength ? 'string, not empty' : 'string';
    case 'array':
      return `list of ${node.items ? typeText(node.items) : 'values'}`;
    case undefined:
      return 'any';
    default:
      return node.type;
  }
}

function range(min: number | undefined, max: number | undefined): string {
  const hasMax = max !== undefined && max < Number.MAX_SAFE_INTEGER;
  const hasMin = min !== undefined && min > Number.MIN_SAFE_INTEGER;
  if (hasMin && hasMax) return ` ${min}-${max}`;
  if (hasMin) return ` >= ${min}`;
  if (hasMax) return ` <= ${max}`;
  return '';
}

function code(value: unknown): string {
  return `\`${JSON.stringify(value)}\``;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function isPlainObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const doc of REFERENCE_DOCS) {
    writeFileSync(join(ROOT, doc.file), renderReference(doc));
    process.stdout.write(`${doc.file}\n`);
  }
}
