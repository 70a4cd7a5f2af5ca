import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCa } from '../iot/ca.js';
import { CertificateStateError, InvalidRequestError, ResourceAlreadyExistsError } from './errors.js';
import { IotRegistry, OWNERSHIP_TOKEN_TTL_MS } from './registry.js';

describe('Class: IotRegistry', () => {
  let dir: string;
  let ca: LocalCa;
  let db: Database.Database;
  let clock = 1_700_000_000_000;
  const deactivated: Array<[string, string]> = [];
  let registry: IotRegistry;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'registry-'));
    ca = await LocalCa.open({ dir: join(dir, 'ca') });
    db = new Database(':memory:');
    let n = 0;
    registry = new IotRegistry({
      db,
      ca,
      region: 'eu-west-1',
      accountId: '123456789012',
      now: () => clock,
      newId: () => `id-${++n}`,
      onDeactivated: (id, status) => deactivated.push([id, status]),
    });
  });

  afterAll(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('Method: createThing', () => {
    it('returns the existing thing for the same attributes and refuses others', () => {
      // Act
      const first = registry.createThing('door-1', { location: 'lobby' });
      const again = registry.createThing('door-1', { location: 'lobby' });

      // Assess
      expect(first).toMatchObject({ thingId: 'id-1', version: 1, createdAt: clock });
      expect(again).toEqual(first);
      expect(() => registry.createThing('door-1', { location: 'hall' })).toThrow(ResourceAlreadyExistsError);
      expect(() => registry.createThing('door 1')).toThrow(InvalidRequestError);
    });
  });

  describe('Method: updateCertificate', () => {
    it('tells who listens when a certificate leaves ACTIVE, and keeps REVOKED final', async () => {
      // Prepare
      const cert = await registry.createKeysAndCertificate(true);

      // Act
      registry.updateCertificate(cert.certificateId, 'INACTIVE');
      registry.updateCertificate(cert.certificateId, 'INACTIVE');
      registry.updateCertificate(cert.certificateId, 'ACTIVE');
      registry.updateCertificate(cert.certificateId, 'REVOKED');

      // Assess
      expect(deactivated).toEqual([
        [cert.certificateId, 'INACTIVE'],
        [cert.certificateId, 'REVOKED'],
      ]);
      expect(() => registry.updateCertificate(cert.certificateId, 'ACTIVE')).toThrow(CertificateStateError);
      expect(() => registry.updateCertificate(cert.certificateId, 'PENDING_ACTIVATION')).toThrow(
        /newStatus must be one of ACTIVE, INACTIVE, REVOKED/,
      );
    });
  });

  describe('Method: certificateOfToken', () => {
    it('answers for an hour, then no more', async () => {
      // Prepare
      const cert = await registry.createKeysAndCertificate(false, 'PENDING_ACTIVATION');
      const token = registry.issueOwnershipToken(cert.certificateId);

      // Act
      const fresh = registry.certificateOfToken(token);
      clock += OWNERSHIP_TOKEN_TTL_MS;
      const expired = registry.certificateOfToken(token);

      // Assess
      expect(fresh).toBe(cert.certificateId);
      expect(expired).toBeUndefined();
      expect(registry.certificateOfToken('forged')).toBeUndefined();
      expect(registry.grants(cert.certificateId)?.status).toBe('PENDING_ACTIVATION');
    });
  });

  describe('Method: grants', () => {
    it('sees attachments made after it was first asked (the cache is invalidated)', async () => {
      // Prepare
      const cert = await registry.createKeysAndCertificate(true);
      registry.createThing('door-2');
      registry.createPolicy('door-policy', '{"Version":"2012-10-17","Statement":[]}');
      const before = registry.grants(cert.certificateId);

      // Act
      registry.attachPolicy('door-policy', cert.certificateArn);
      registry.attachThingPrincipal('door-2', cert.certificateArn);
      const attached = registry.grants(cert.certificateId);
      registry.detachThingPrincipal('door-2', cert.certificateArn);
      const detached = registry.grants(cert.certificateId);

      // Assess
      expect(before).toEqual({ status: 'ACTIVE', things: [], policies: [] });
      expect(attached).toEqual({ status: 'ACTIVE', things: ['door-2'], policies: ['door-policy'] });
      expect(detached?.things).toEqual([]);
      expect(registry.grants('f'.repeat(64))).toBeUndefined();
    });
  });
});
