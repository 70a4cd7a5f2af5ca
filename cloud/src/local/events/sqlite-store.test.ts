import type { BusEvent } from '@smartdoor/shared';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, type Delivery } from './model.js';
import { DELIVERY_TARGETS_SQL, SqliteEventsStore, TARGET_DELIVERIES_SQL } from './sqlite-store.js';

// Roles: `store` is the local EventBridge's SQLite store on an in-memory database; targets
// A, B and C are ARNs with delivery rows waiting.
const A = 'arn:aws:lambda:us-east-1:123456789012:function:a';
const B = 'arn:aws:lambda:us-east-1:123456789012:function:b';
const C = 'arn:aws:lambda:us-east-1:123456789012:function:c';

let db: Database.Database;
let store: SqliteEventsStore;

beforeEach(() => {
  db = new Database(':memory:');
  store = new SqliteEventsStore(db);
});

afterEach(() => db.close());

function delivery(id: string, arn: string, nextAttemptAt: number): Delivery {
  return {
    id,
    busName: 'default',
    ruleName: 'r',
    ruleArn: 'arn:aws:events:us-east-1:123456789012:rule/r',
    target: { id: 't', arn, retryPolicy: DEFAULT_RETRY_POLICY },
    event: { id: `e-${id}`, source: 'smartdoor.device', detail: {} } as unknown as BusEvent,
    ingestedAt: 0,
    attempts: 0,
    nextAttemptAt,
  };
}

/** A has a backlog of 10 (due at 0-9), B 2 (due at 5), C 1 not due before 100. */
function backlog(): void {
  for (let i = 0; i < 10; i++) store.insertDelivery(delivery(`a${i}`, A, i));
  store.insertDelivery(delivery('b0', B, 5));
  store.insertDelivery(delivery('b1', B, 5));
  store.insertDelivery(delivery('c0', C, 100));
}

const ids = (r: { due: Delivery[] }) => r.due.map((d) => d.id);

describe('Class: SqliteEventsStore', () => {
  describe('Method: claimDeliveries', () => {
    it('takes due deliveries in turns across targets, at most perTarget of each', () => {
      // Prepare
      backlog();
      // Act
      const all = store.claimDeliveries(50, 16, new Map(), 4);
      const three = store.claimDeliveries(50, 3, new Map(), 4);
      // Assess
      expect(ids(all)).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'a3']);
      expect(all.nextAt).toBe(100);
      expect(all.due[0]).toMatchObject({ target: { arn: A }, event: { id: 'e-a0' }, nextAttemptAt: 0 });
      expect(ids(three)).toEqual(['a0', 'b0', 'a1']);
      expect(three.nextAt).toBe(50); // due ones left over
    });

    it('counts the in-flight ones against their target and never offers them again', () => {
      // Prepare
      backlog();
      const aFull = new Map(['a0', 'a1', 'a2', 'a3'].map((id) => [id, A]));
      const aOne = new Map([['a0', A]]);
      // Act
      const full = store.claimDeliveries(50, 16, aFull, 4);
      const one = store.claimDeliveries(50, 16, aOne, 4);
      // Assess
      expect(ids(full)).toEqual(['b0', 'b1']);
      // A at its cap: its due rows do not make the worker look again before one settles.
      expect(full.nextAt).toBe(100);
      expect(ids(one)).toEqual(['a1', 'b0', 'a2', 'b1', 'a3']);
    });

    it('reads the delivery rows through the target index only (no scan, no sort)', () => {
      // Prepare
      backlog();
      // Act
      const plan = [DELIVERY_TARGETS_SQL, TARGET_DELIVERIES_SQL].flatMap((sql) =>
        (
          db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ now: 50, perTarget: 4, target: A }) as Array<{
            detail: string;
          }>
        ).map((r) => r.detail),
      );
      // Assess
      const reads = plan.filter((d) => d.includes('eb_deliveries'));
      expect(reads.length).toBe(3); // first target, next target, a target's rows
      for (const read of reads)
        expect(read).toMatch(/^SEARCH eb_deliveries USING (COVERING )?INDEX eb_deliveries_target/);
      expect(plan.join('\n')).not.toMatch(/TEMP B-TREE|^SCAN eb_deliveries/m);
    });
  });

  describe('Method: constructor', () => {
    it('gives the delivery rows of an earlier version their target', () => {
      // Prepare
      const old = new Database(':memory:');
      old.exec(`CREATE TABLE eb_deliveries (id TEXT PRIMARY KEY, next_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL, last_error TEXT, doc TEXT NOT NULL);
        CREATE INDEX eb_deliveries_next ON eb_deliveries (next_at);`);
      old
        .prepare('INSERT INTO eb_deliveries VALUES (?, ?, 0, NULL, ?)')
        .run('x', 1, JSON.stringify(delivery('x', B, 1)));
      // Act
      const claimed = new SqliteEventsStore(old).claimDeliveries(10, 16, new Map(), 4);
      const indexes = old
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'eb_deliveries'")
        .all();
      old.close();
      // Assess
      expect(claimed.due.map((d) => [d.id, d.target.arn])).toEqual([['x', B]]);
      expect(indexes).not.toContainEqual({ name: 'eb_deliveries_next' });
      expect(indexes).toContainEqual({ name: 'eb_deliveries_target' });
    });
  });
});
