import type Database from 'better-sqlite3';
import type {
  CertificateGrants,
  CertificateRecord,
  CertificateStatus,
  PolicyRecord,
  ThingRecord,
} from './model.js';

/**
 * The IoT registry in SQLite: things, certificates with their status, policies, and the
 * two attachments (policy -> certificate, certificate -> thing). Synchronous, as
 * better-sqlite3 is; each write is one statement or one transaction.
 */
export class SqliteRegistryStore {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
    db.exec(`
      CREATE TABLE IF NOT EXISTS iot_things (
        thing_name TEXT PRIMARY KEY, thing_id TEXT NOT NULL, attributes TEXT NOT NULL,
        thing_type TEXT, version INTEGER NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS iot_certificates (
        certificate_id TEXT PRIMARY KEY, pem TEXT NOT NULL, status TEXT NOT NULL,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS iot_policies (
        policy_name TEXT PRIMARY KEY, document TEXT NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS iot_policy_targets (
        policy_name TEXT NOT NULL, certificate_id TEXT NOT NULL,
        PRIMARY KEY (policy_name, certificate_id));
      CREATE TABLE IF NOT EXISTS iot_thing_principals (
        thing_name TEXT NOT NULL, certificate_id TEXT NOT NULL, attached_at INTEGER NOT NULL,
        PRIMARY KEY (thing_name, certificate_id));
      CREATE INDEX IF NOT EXISTS iot_thing_principals_cert ON iot_thing_principals (certificate_id);
      CREATE TABLE IF NOT EXISTS iot_ownership_tokens (
        token TEXT PRIMARY KEY, certificate_id TEXT NOT NULL, expires_at INTEGER NOT NULL);
    `);
  }

  getThing(name: string): ThingRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM iot_things WHERE thing_name = ?').get(name) as
      | ThingRow
      | undefined;
    return row && toThing(row);
  }

  putThing(t: ThingRecord): void {
    this.#db
      .prepare(
        `INSERT INTO iot_things (thing_name, thing_id, attributes, thing_type, version, created_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (thing_name) DO UPDATE SET attributes = excluded.attributes, version = excluded.version`,
      )
      .run(
        t.thingName,
        t.thingId,
        JSON.stringify(t.attributes),
        t.thingTypeName ?? null,
        t.version,
        t.createdAt,
      );
  }

  /** Things after `after` in name order, optionally with one attribute value. */
  listThings(after: string, limit: number, attribute?: { name: string; value: string }): ThingRecord[] {
    const rows = this.#db
      .prepare('SELECT * FROM iot_things WHERE thing_name > ? ORDER BY thing_name')
      .iterate(after) as Iterable<ThingRow>;
    const out: ThingRecord[] = [];
    for (const row of rows) {
      const thing = toThing(row);
      if (attribute && thing.attributes[attribute.name] !== attribute.value) continue;
      out.push(thing);
      if (out.length >= limit) break;
    }
    return out;
  }

  getCertificate(id: string): CertificateRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM iot_certificates WHERE certificate_id = ?').get(id) as
      | CertRow
      | undefined;
    return row && toCert(row);
  }

  putCertificate(c: CertificateRecord): void {
    this.#db
      .prepare(
        `INSERT INTO iot_certificates (certificate_id, pem, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (certificate_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at`,
      )
      .run(c.certificateId, c.certificatePem, c.status, c.createdAt, c.updatedAt);
  }

  setCertificateStatus(id: string, status: CertificateStatus, at: number): void {
    this.#db
      .prepare('UPDATE iot_certificates SET status = ?, updated_at = ? WHERE certificate_id = ?')
      .run(status, at, id);
  }

  getPolicy(name: string): PolicyRecord | undefined {
    const row = this.#db.prepare('SELECT * FROM iot_policies WHERE policy_name = ?').get(name) as
      | { policy_name: string; document: string; created_at: number }
      | undefined;
    return row && { policyName: row.policy_name, document: row.document, createdAt: row.created_at };
  }

  /** Policy names after `after`, in name order (descending: before it). */
  listPolicyNames(after: string, limit: number, ascending = true): string[] {
    const sql = ascending
      ? 'SELECT policy_name FROM iot_policies WHERE policy_name > ? ORDER BY policy_name LIMIT ?'
      : "SELECT policy_name FROM iot_policies WHERE ? = '' OR policy_name < ? ORDER BY policy_name DESC LIMIT ?";
    const rows = (
      ascending ? this.#db.prepare(sql).all(after, limit) : this.#db.prepare(sql).all(after, after, limit)
    ) as Array<{ policy_name: string }>;
    return rows.map((r) => r.policy_name);
  }

  putPolicy(p: PolicyRecord): void {
    this.#db
      .prepare('INSERT INTO iot_policies (policy_name, document, created_at) VALUES (?, ?, ?)')
      .run(p.policyName, p.document, p.createdAt);
  }

  attachPolicy(policyName: string, certificateId: string): void {
    this.#db
      .prepare('INSERT OR IGNORE INTO iot_policy_targets (policy_name, certificate_id) VALUES (?, ?)')
      .run(policyName, certificateId);
  }

  attachThingPrincipal(thingName: string, certificateId: string, at: number): void {
    this.#db
      .prepare(
        'INSERT OR IGNORE INTO iot_thing_principals (thing_name, certificate_id, attached_at) VALUES (?, ?, ?)',
      )
      .run(thingName, certificateId, at);
  }

  detachThingPrincipal(thingName: string, certificateId: string): void {
    this.#db
      .prepare('DELETE FROM iot_thing_principals WHERE thing_name = ? AND certificate_id = ?')
      .run(thingName, certificateId);
  }

  /** Certificate ids attached to a thing, oldest attachment first. */
  thingPrincipals(thingName: string): string[] {
    return (
      this.#db
        .prepare(
          'SELECT certificate_id FROM iot_thing_principals WHERE thing_name = ? ORDER BY attached_at, certificate_id',
        )
        .all(thingName) as Array<{ certificate_id: string }>
    ).map((r) => r.certificate_id);
  }

  grants(certificateId: string): CertificateGrants | undefined {
    const cert = this.getCertificate(certificateId);
    if (!cert) return undefined;
    const things = (
      this.#db
        .prepare('SELECT thing_name FROM iot_thing_principals WHERE certificate_id = ?')
        .all(certificateId) as Array<{ thing_name: string }>
    ).map((r) => r.thing_name);
    const policies = (
      this.#db
        .prepare('SELECT policy_name FROM iot_policy_targets WHERE certificate_id = ?')
        .all(certificateId) as Array<{ policy_name: string }>
    ).map((r) => r.policy_name);
    return { status: cert.status, things, policies };
  }

  putOwnershipToken(token: string, certificateId: string, expiresAt: number): void {
    this.#db
      .prepare('INSERT INTO iot_ownership_tokens (token, certificate_id, expires_at) VALUES (?, ?, ?)')
      .run(token, certificateId, expiresAt);
  }

  getOwnershipToken(token: string): { certificateId: string; expiresAt: number } | undefined {
    const row = this.#db
      .prepare('SELECT certificate_id, expires_at FROM iot_ownership_tokens WHERE token = ?')
      .get(token) as { certificate_id: string; expires_at: number } | undefined;
    return row && { certificateId: row.certificate_id, expiresAt: row.expires_at };
  }

  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn)();
  }
}

interface ThingRow {
  thing_name: string;
  thing_id: string;
  attributes: string;
  thing_type: string | null;
  version: number;
  created_at: number;
}

interface CertRow {
  certificate_id: string;
  pem: string;
  status: CertificateStatus;
  created_at: number;
  updated_at: number;
}

function toThing(row: ThingRow): ThingRecord {
  return {
    thingName: row.thing_name,
    thingId: row.thing_id,
    attributes: JSON.parse(row.attributes) as Record<string, string>,
    ...(row.thing_type === null ? {} : { thingTypeName: row.thing_type }),
    version: row.version,
    createdAt: row.created_at,
  };
}

function toCert(row: CertRow): CertificateRecord {
  return {
    certificateId: row.certificate_id,
    certificatePem: row.pem,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
