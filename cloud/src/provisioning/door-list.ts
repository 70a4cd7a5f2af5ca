import { CLAIM_CLIENT_ID_PREFIX, isClaimClientId, THING_NAME_RE } from '@smartdoor/shared';
import { DoorListError, type RowProblem } from './errors.js';

/** One door of the list: its thing name and the attributes the thing gets. */
export interface DoorRow {
  /** 1-based line number of the record in the file, for messages. */
  row: number;
  thingName: string;
  /** Every other non-empty column (location included), as IoT thing attributes. */
  attributes: Record<string, string>;
}

const NAME_COLUMNS = ['thingname', 'thing_name', 'thing', 'name'];
/** IoT thing attribute names and values (https://docs.aws.amazon.com/iot/latest/apireference/API_AttributePayload.html). */
const ATTRIBUTE_NAME_RE = /^[a-zA-Z0-9_.,@/:#-]{1,128}$/;
const ATTRIBUTE_VALUE_RE = /^[a-zA-Z0-9_.,@/:#=[\]-]*$/;

/**
 * RFC 4180 CSV: fields separated by commas, optionally in double quotes (a quote inside
 * is doubled), quoted fields may hold commas and line breaks; CRLF or LF. Returns records
 * with the line each starts on. Pure.
 */
export function parseCsv(text: string): Array<{ line: number; fields: string[] }> {
  const records: Array<{ line: number; fields: string[] }> = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let i = 0;
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: start, fields });
    fields = [];
    field = '';
  };
  while (i < src.length) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      endRecord();
      if (c === '\r' && src[i + 1] === '\n') i++;
      line++;
      start = line;
    } else field += c;
    i++;
  }
  if (quoted) throw new DoorListError('CSV', [{ row: start, message: 'a quoted field is never closed' }]);
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}

/**
 * The door list: a header row naming the columns (`thingName`, or `thing_name`/`name`;
 * `location` and any others become attributes), then one door per row. Every bad row is
 * reported at once: bad thing name, duplicate, wrong number of fields, bad attribute.
 */
export function parseDoorList(text: string, source = 'door list'): DoorRow[] {
  const records = parseCsv(text);
  if (records.length === 0) throw new DoorListError(source, [{ row: 1, message: 'the file is empty' }]);
  const header = records[0]!.fields.map((h) => h.trim());
  const nameAt = header.findIndex((h) => NAME_COLUMNS.includes(h.toLowerCase()));
  const problems: RowProblem[] = [];
  if (nameAt < 0) {
    throw new DoorListError(source, [
      {
        row: records[0]!.line,
        message: `the header row needs a thingName column (got ${header.join(', ')})`,
      },
    ]);
  }
  for (const h of header) {
    if (!ATTRIBUTE_NAME_RE.test(h))
      problems.push({ row: records[0]!.line, message: `column "${h}" is not a valid attribute name` });
  }
  const seen = new Map<string, number>();
  const doors: DoorRow[] = [];
  for (const { line, fields } of records.slice(1)) {
    if (fields.length !== header.length) {
      problems.push({ row: line, message: `has ${fields.length} fields, the header has ${header.length}` });
      continue;
    }
    const thingName = fields[nameAt]!.trim();
    if (!THING_NAME_RE.test(thingName)) {
      problems.push({
        row: line,
        message: `"${thingName}" is not a valid thing name (1-128 of a-z, A-Z, 0-9, ':', '_', '-')`,
      });
      continue;
    }
    if (isClaimClientId(thingName)) {
      // A door connects as its thing name, and claim client ids get no presence (offline) events.
      problems.push({
        row: line,
        message: `"${thingName}" starts with "${CLAIM_CLIENT_ID_PREFIX}", kept for fleet provisioning claim connections`,
      });
      continue;
    }
    const first = seen.get(thingName);
    if (first !== undefined) {
      problems.push({ row: line, message: `thing ${thingName} is a duplicate of row ${first}` });
      continue;
    }
    seen.set(thingName, line);
    const attributes: Record<string, string> = {};
    header.forEach((h, i) => {
      const v = fields[i]!.trim();
      if (i === nameAt || v === '') return;
      if (v.length > 800 || !ATTRIBUTE_VALUE_RE.test(v)) {
        problems.push({
          row: line,
          message: `${h} "${v}" has characters IoT attributes do not allow (a-z, 0-9, _.,@/:#=[]-)`,
        });
      }
      attributes[h] = v;
    });
    if (Object.keys(attributes).length > 50) problems.push({ row: line, message: 'more than 50 attributes' });
    doors.push({ row: line, thingName, attributes });
  }
  if (problems.length > 0) throw new DoorListError(source, problems);
  return doors;
}
