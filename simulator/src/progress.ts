import cliProgress from 'cli-progress';
import type { SimulationProgress } from './simulation.js';

const LABELS: Record<SimulationProgress['phase'], string> = {
  connecting: 'connecting doors',
  running: 'running scenario',
  draining: 'draining backlog',
  done: 'done',
};

/** A cli-progress bar (on stderr unless told otherwise) that follows the run's phases. */
export class ProgressDisplay {
  private bar: cliProgress.SingleBar | undefined;
  private phase: SimulationProgress['phase'] | undefined;

  constructor(private readonly options: { enabled: boolean; stream?: NodeJS.WritableStream }) {}

  update(p: SimulationProgress): void {
    if (!this.options.enabled) return;
    const payload = { phase: LABELS[p.phase].padEnd(16), created: p.created, acked: p.acknowledged };
    const unit = p.phase === 'running' ? 1000 : 1;
    if (p.phase !== this.phase) {
      this.bar?.stop();
      this.phase = p.phase;
      this.bar = new cliProgress.SingleBar(
        {
          format: `{phase} [{bar}] {value}/{total}${p.phase === 'running' ? ' s' : ''} | events {created} | acked {acked}`,
          stream: this.options.stream ?? process.stderr,
          hideCursor: true,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(Math.round(p.total / unit), 0, payload);
    }
    this.bar?.update(Math.round(p.value / unit), payload);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
