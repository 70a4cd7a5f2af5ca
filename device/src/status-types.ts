import type { ShadowSettings } from '@smartdoor/shared';
import type { OutboxStats } from './outbox/types.js';
import type { ConnectionState } from './transport/types.js';

/** What the agent counts since it started. */
export interface AgentCounters {
  accepted: number;
  published: number;
  refused: number;
  publishErrors: number;
  connects: number;
  commands: number;
  duplicateCommands: number;
  badCloudMessages: number;
  /** Badge reader frames that failed their checks (read from the reader: a wrong baud rate shows here). */
  badFrames: number;
}

/** The agent's status: what `status()` returns and the status file holds. */
export interface AgentStatus {
  thingName: string;
  pid: number;
  running: boolean;
  transport: string;
  connection: ConnectionState;
  startedAt: string | undefined;
  updatedAt: string;
  lastPubackAt: string | undefined;
  outbox: OutboxStats;
  /** The file the outbox keeps its events in (none in memory): `status` looks into this one. */
  outboxFile?: string;
  counters: AgentCounters;
  settings: ShadowSettings;
  doorState: 'open' | 'closed' | 'unknown';
}
