import { mkdirSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { knownBadges, SIM_BADGE_SECRET } from './badges.js';
import { SimulatorError } from './errors.js';
import { TcpProxy } from './fleet/tcp-proxy.js';
import { type SimOutboxKind, VirtualDoor } from './fleet/virtual-door.js';
import { RunLedger, type RunSummary } from './ledger.js';
import { Random } from './random.js';
import { type OpeningCount, type Plan, planRun } from './scenarios/plan.js';
import type { FleetAction, Step } from './scenarios/types.js';
import type { SimCloud } from './sim-cloud.js';

/** How long a run stopped early still waits for acknowledged events to reach the bus. */
const STOPPED_DRAIN_MS = 3_000;

/** How long a starting door may take to connect before the next one starts anyway. */
const CONNECT_WAIT_MS = 10_000;

export interface SimulationOptions {
  cloud: SimCloud;
  scenario: string;
  doors: number;
  /** Door openings per second across the fleet. */
  rate: number;
  durationMs: number;
  seed: number | string;
  /** @default 'memory' (see VirtualDoor) */
  outbox?: SimOutboxKind;
  dataDir?: string;
  /** How long to wait after the run for the backlog to reach the bus and every opening to get its result. @default 15000 */
  drainMs?: number;
  /** Doors connecting at once (TLS handshakes in flight) while the fleet starts. @default 50 */
  connectConcurrency?: number;
  /**
   * Put the TCP proxy between doors and broker. Only a scenario that cuts the network needs
   * it; it costs each door two more file descriptors and copies every byte through this
   * thread. @default whether the scenario cuts the network
   */
  proxy?: boolean;
  /** Thing name prefix. @default 'door-' */
  prefix?: string;
  logger?: Logger;
  onProgress?: (p: SimulationProgress) => void;
}

export interface SimulationProgress {
  phase: 'connecting' | 'running' | 'draining' | 'done';
  /** 0..total in the phase's unit (doors connected, ms elapsed, events outstanding). */
  value: number;
  total: number;
  created: number;
  acknowledged: number;
}

/**
 * A run: start the doors (behind a TCP proxy, the network we can cut, when the scenario
 * cuts it), wait until they are connected, play the planned steps at their times, let the backlog drain, and keep
 * the books in a RunLedger.
 */
export class Simulation {
  /** The books of the run (of the current round, in runContinuously). */
  ledger: RunLedger;
  readonly doors: VirtualDoor[] = [];
  private proxy: TcpProxy | undefined;
  private unsubscribe: Array<() => void> = [];
  private stepTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Resolves on stop(): what waits for doors to connect stops waiting then. */
  private readonly stopping: Promise<void>;
  private readonly onStop: () => void;
  private plan: Plan | undefined;
  private endPlay: (() => void) | undefined;
  private readonly logger: Logger;

  constructor(private readonly options: SimulationOptions) {
    let onStop = () => {};
    this.stopping = new Promise<void>((resolve) => {
      onStop = resolve;
    });
    this.onStop = onStop;
    this.logger = options.logger ?? pino({ level: 'silent' });
    // A broker this process does not run shows only PUBACKs: the books stop there.
    this.ledger = new RunLedger({ observesBus: options.cloud.subscribeBus !== undefined });
  }

  get proxyPort(): number | undefined {
    return this.proxy?.port;
  }

  /** Openings --rate asked for and planned, once started (walks the plan once). */
  get openings(): OpeningCount | undefined {
    return this.plan?.openings();
  }

  /** Start the proxy and the fleet; resolves once every door is connected (or the timeout). */
  async start(): Promise<void> {
    const { cloud } = this.options;
    this.plan = this.makePlan();
    const random = new Random(this.options.seed);
    // Nothing counts in the latency figures until the scenario starts (see run()).
    this.ledger.measureFrom = Number.POSITIVE_INFINITY;
    if (this.options.proxy ?? this.plan.scenario.cutsNetwork === true) {
      this.proxy = new TcpProxy({ upstream: { host: cloud.broker.host, port: cloud.broker.port } });
      await this.proxy.start();
    } else if (this.plan.scenario.cutsNetwork) {
      throw new SimulatorError(`scenario ${this.plan.scenario.name} cuts the network: it needs the proxy`);
    }
    if (cloud.subscribeBus) this.unsubscribe.push(cloud.subscribeBus((e, at) => this.ledger.busEvent(e, at)));
    if (cloud.subscribeDeliveries)
      this.unsubscribe.push(cloud.subscribeDeliveries((k) => this.ledger.delivered(k)));
    if (this.options.outbox === 'sqlite' || this.options.outbox === 'log') {
      if (!this.options.dataDir)
        throw new SimulatorError(`a ${this.options.outbox} outbox needs a data folder`);
      mkdirSync(this.options.dataDir, { recursive: true });
    }
    const url = `${cloud.broker.scheme}://${this.proxy ? '127.0.0.1' : cloud.broker.host}:${this.proxy?.port ?? cloud.broker.port}`;
    const prefix = this.options.prefix ?? 'door-';
    const width = Math.max(3, String(this.options.doors).length);
    const total = this.options.doors;
    let connected = 0;
    const connectedOnce = new Set<number>();
    const progress = () =>
      this.options.onProgress?.({ phase: 'connecting', value: connected, total, ...this.counts() });
    const starters: Array<() => Promise<void>> = [];
    for (let i = 0; i < total; i++) {
      const thingName = `${prefix}${String(i + 1).padStart(width, '0')}`;
      starters.push(async () => {
        if (this.stopped) return; // stop() has stopped the doors there were: start no more
        const credentials = await cloud.credentials(thingName);
        if (this.stopped) return;
        const door = new VirtualDoor({
          thingName,
          url,
          credentials,
          outbox: this.options.outbox ?? 'memory',
          dataDir: this.options.dataDir,
          badgeSecret: SIM_BADGE_SECRET,
          settings: this.scenarioSettings(),
          random: random.fork(thingName),
          logger: this.logger,
          onCreated: (key) => this.ledger.created(key, Date.now()),
          onAcked: (key) => this.ledger.acked(key, Date.now()),
          onConnected: () => {
            this.ledger.connects++;
            if (!connectedOnce.has(i)) {
              connectedOnce.add(i);
              connected++;
              progress();
            }
          },
        });
        this.doors[i] = door;
        const up = door.connected(CONNECT_WAIT_MS);
        await door.start();
        // The agent connects in the background; waiting here is what bounds the handshakes
        // in flight (a burst of thousands overflows the broker's accept backlog and the
        // dropped SYNs come back only after seconds of TCP retransmission). A stop ends the
        // wait: Ctrl-C while doors connect must not wait out their connect timeout.
        await Promise.race([up, this.stopping]);
      });
    }
    await runLimited(starters, this.options.connectConcurrency ?? 50);
    // Every door has waited for its first connection: none made it, so none will.
    if (connected === 0 && total > 0 && !this.stopped) {
      const why = (
        this.proxy?.lastUpstreamError ?? this.doors.find((d) => d?.lastConnectionError)?.lastConnectionError
      )?.message;
      const broker = `${cloud.broker.scheme}://${cloud.broker.host}:${cloud.broker.port}`;
      throw new SimulatorError(
        `no door could connect to the broker at ${broker} within ${CONNECT_WAIT_MS / 1000} s` +
          (why ? ` (last error: ${oneLine(why)})` : '') +
          // A broker that refuses the client certificate often just resets the connection.
          (cloud.broker.scheme === 'mqtts'
            ? "; check that the broker trusts the doors' certificates and that the CA file signed the broker's"
            : ''),
      );
    }
    // TLS handshakes and certificate checks run on this one thread: about 20 ms a door here.
    const deadline = Date.now() + Math.max(30_000, total * 40);
    while (connected < total && Date.now() < deadline && !this.stopped) await sleep(50);
    if (connected < total) this.logger.warn({ connected, total }, 'not every door connected');
  }

  /**
   * Play the scenario again and again, each round `durationMs` long and planned afresh
   * (round n from seed "{seed}/n"), until stop(); resolves then. No drain, no summary: this
   * is `npm start`'s endless demo. The books start afresh each round and each round's plan
   * is made when it starts, so memory stays flat however long it runs.
   */
  async runContinuously(): Promise<void> {
    for (let round = 1; !this.stopped; round++) {
      const plan =
        round === 1 ? (this.plan ?? this.makePlan()) : this.makePlan(`${this.options.seed}/${round}`);
      if (round > 1) this.ledger = new RunLedger({ observesBus: this.ledger.observesBus });
      const started = Date.now();
      this.ledger.measureFrom = started;
      await this.play(plan.steps(), started);
    }
  }

  /** Play the scenario and drain; resolves with the summary. */
  async run(): Promise<RunSummary> {
    const { durationMs } = this.options;
    const plan = this.plan ?? this.makePlan();
    if (plan.scenario.needsLocalBroker && !this.options.cloud.restartBroker) {
      throw new SimulatorError(
        `scenario ${plan.scenario.name} restarts the broker: it needs the in-process cloud`,
      );
    }
    const started = Date.now();
    // Events made while the fleet connected (initial door states) waited for the TLS
    // handshake: they count, but not in the latency figures.
    this.ledger.measureFrom = started;
    const errorsBefore = await this.options.cloud.errorQueueDepth?.();
    const ticker = setInterval(
      () =>
        this.options.onProgress?.({
          phase: 'running',
          value: Math.min(Date.now() - started, durationMs),
          total: durationMs,
          ...this.counts(),
        }),
      250,
    );
    let playedMs = durationMs;
    try {
      await this.play(plan.steps(), started);
      // Stopped early (Ctrl-C): the summary covers what was played.
      if (this.stopped) playedMs = Math.min(durationMs, Date.now() - started);
      await this.drain();
    } finally {
      clearInterval(ticker);
    }
    this.ledger.duplicatesSent = this.doors.reduce((n, d) => n + (d?.transport.duplicatesSent ?? 0), 0);
    const errorsAfter = await this.options.cloud.errorQueueDepth?.();
    this.ledger.rejected =
      errorsBefore === undefined || errorsAfter === undefined ? null : errorsAfter - errorsBefore;
    return this.ledger.summary({
      scenario: plan.scenario.name,
      seed: this.options.seed,
      doors: this.options.doors,
      durationMs: playedMs,
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.onStop();
    if (this.stepTimer) clearTimeout(this.stepTimer);
    this.endPlay?.();
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    await runLimited(
      this.doors.filter(Boolean).map((d) => () => d.stop().catch(() => {})),
      200,
    );
    await this.proxy?.stop();
  }

  /** Plan the run (pure, deterministic); throws a readable error for bad options before any door starts. */
  private makePlan(seed: number | string = this.options.seed): Plan {
    return planRun({
      scenario: this.options.scenario,
      doors: this.options.doors,
      rate: this.options.rate,
      durationMs: this.options.durationMs,
      seed,
      knownBadges: knownBadges().map((b) => b.badgeId),
    });
  }

  private counts() {
    return { created: this.ledger.createdCount, acknowledged: this.ledger.acknowledged };
  }

  private scenarioSettings() {
    return this.plan?.scenario.doorSettings;
  }

  /** Walk the steps (in time order, made as they are walked) with one timer: each tick runs every step that is due. */
  private play(steps: Iterable<Step>, started: number): Promise<void> {
    const walk = steps[Symbol.iterator]();
    let next = walk.next();
    const end = started + this.options.durationMs;
    return new Promise<void>((resolve) => {
      this.endPlay = resolve;
      const tick = () => {
        if (this.stopped) return resolve();
        const now = Date.now() - started;
        for (; !next.done && next.value.atMs <= now; next = walk.next()) this.perform(next.value);
        if (next.done && Date.now() >= end) return resolve();
        const wait = next.done ? end - Date.now() : next.value.atMs - (Date.now() - started);
        this.stepTimer = setTimeout(tick, Math.max(0, Math.min(wait, 250)));
      };
      tick();
    });
  }

  private perform(step: Step): void {
    if (step.door === undefined) {
      void this.fleet(step.action);
      return;
    }
    const door = this.doors[step.door];
    if (door?.apply(step.action)) this.ledger.malformedSent++;
  }

  private async fleet(action: FleetAction): Promise<void> {
    const proxy = this.proxy;
    switch (action.kind) {
      case 'partition':
        proxy?.cut();
        break;
      case 'heal':
        proxy?.heal();
        break;
      case 'broker-restart': {
        const { port } = await this.options.cloud.restartBroker!(action.downMs);
        proxy?.setUpstream({ host: this.options.cloud.broker.host, port });
        break;
      }
    }
  }

  /**
   * Wait until every created event reached the bus and every opening has its identification
   * result (one without a badge gets it only when the badge window has passed), or the drain
   * time is up.
   */
  private async drain(): Promise<void> {
    this.proxy?.heal();
    for (const d of this.doors) if (d) d.transport.copies = 0;
    if (this.stopped) {
      // Stopped early (Ctrl-C): no drain, but what the broker acknowledged is in the
      // cloud's hands and reaches the bus in a moment; without this wait the summary
      // would call it lost after its PUBACK.
      if (this.options.cloud.subscribeBus) {
        const deadline = Date.now() + Math.min(this.options.drainMs ?? 15_000, STOPPED_DRAIN_MS);
        while (this.ledger.ackedNotIngested() > 0 && Date.now() < deadline) await sleep(50);
      }
      return;
    }
    if (!this.options.cloud.subscribeBus) {
      await this.waitFor(
        () => this.ledger.acknowledged >= this.counts().created,
        this.options.drainMs ?? 15_000,
      );
      return;
    }
    await this.waitFor(
      () => this.ledger.outstanding() === 0 && this.ledger.unsettledOpenings() === 0,
      this.options.drainMs ?? 15_000,
    );
    // Notification results trail by a little (the ledger does not await them): a moment.
    await sleep(Math.min(2_000, this.options.drainMs ?? 2_000));
  }

  private async waitFor(done: () => boolean, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    const total = this.ledger.outstanding();
    while (!done() && Date.now() < deadline && !this.stopped) {
      this.options.onProgress?.({
        phase: 'draining',
        value: total - this.ledger.outstanding(),
        total,
        ...this.counts(),
      });
      await sleep(100);
    }
  }
}

/**
 * Run async tasks with at most `limit` at once. After a task fails no other one starts, and
 * the tasks under way are waited for before the first failure is thrown: a caller that
 * cleans up on the failure then finds nothing still starting behind its back.
 */
export async function runLimited(tasks: Array<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < tasks.length && !failure) {
      try {
        await tasks[next++]!();
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (failure) throw failure.error;
}

/**
 * A message on one line, to quote it inside another: OpenSSL's errors end with a newline
 * ("...SSL alert number 48\n"), which would split the sentence that quotes them.
 */
export function oneLine(message: string): string {
  return message.replace(/\s+/g, ' ').trim();
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
