import { parseTopic, type ShadowSettings, topics } from '@smartdoor/shared';
import type { Logger } from 'pino';
import type { Buzzer } from '../inputs/types.js';
import type { Transport } from '../transport/types.js';
import { type Clock, monotonicNow, systemClock } from './clock.js';
import { parseCommand, reportedDiffers, settingsFromShadow } from './cloud-messages.js';

export interface CommandHandlerOptions {
  thingName: string;
  transport: Transport;
  buzzer?: Buzzer;
  logger: Logger;
  counters: { commands: number; duplicateCommands: number; badCloudMessages: number };
  getSettings: () => ShadowSettings;
  applySettings: (change: Partial<ShadowSettings>) => void;
  /**
   * Command ids remembered to drop repeats (QoS 1 redelivery, retries in the cloud).
   * @default 1000
   */
  rememberCommands?: number;
  /** For the bad-message warning's rate limit. @default systemClock */
  clock?: Clock;
}

/** At most one warning about bad cloud messages per minute: each one is still counted. */
export const BAD_MESSAGE_WARN_INTERVAL_MS = 60_000;

/**
 * Cloud-to-device messages: commands on smartdoor/{thing}/commands, and the classic
 * shadow's update/delta and get/accepted. Settings are applied, then reported back in
 * state.reported. Bad messages are counted (badCloudMessages), never thrown, and logged as
 * a warning at most once a minute with the number suppressed since the last one: a flood
 * of them on the commands topic would otherwise fill the SD card's journal.
 * https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-comms-device.html
 */
export class CommandHandler {
  #seen = new Set<string>();
  #lastWarnAt: number | undefined;
  #suppressed = 0;

  constructor(private readonly o: CommandHandlerOptions) {}

  filters(): string[] {
    const t = this.o.thingName;
    return [topics.commands(t), topics.shadow(t, 'update/delta'), topics.shadow(t, 'get/accepted')];
  }

  handle(topic: string, payload: Buffer): void {
    const parsed = parseTopic(topic);
    if (parsed.kind === 'commands' && parsed.thingName === this.o.thingName) {
      this.#command(payload);
    } else if (parsed.kind === 'shadow' && parsed.thingName === this.o.thingName && !parsed.shadowName) {
      if (parsed.operation === 'update/delta') this.#shadow(payload, 'delta');
      else if (parsed.operation === 'get/accepted') this.#shadow(payload, 'get-accepted');
    }
  }

  #command(payload: Buffer): void {
    const result = parseCommand(payload);
    if (!result.ok) {
      this.#bad({ reason: result.reason }, 'command ignored');
      return;
    }
    const { command } = result;
    if (this.#seen.has(command.commandId)) {
      this.o.counters.duplicateCommands++;
      this.o.logger.debug({ commandId: command.commandId }, 'repeated command ignored');
      return;
    }
    this.#seen.add(command.commandId);
    if (this.#seen.size > (this.o.rememberCommands ?? 1_000)) {
      this.#seen.delete(this.#seen.values().next().value!);
    }
    this.o.counters.commands++;
    this.o.logger.info({ commandId: command.commandId, name: command.name }, 'command');
    if (command.name === 'buzzer') {
      if (!this.o.buzzer) {
        this.o.logger.warn({ commandId: command.commandId }, 'buzzer command but no buzzer configured');
        return;
      }
      this.o.buzzer
        .sound(command.durationMs)
        .catch((err: Error) => this.o.logger.warn({ err: err.message }, 'buzzer failed'));
    }
  }

  #shadow(payload: Buffer, kind: 'delta' | 'get-accepted'): void {
    const change = settingsFromShadow(payload, kind);
    if ('error' in change) {
      this.#bad({ reason: change.error }, 'shadow document ignored');
      return;
    }
    if (change.rejected.length > 0) {
      this.#bad({ rejected: change.rejected }, 'invalid shadow settings ignored');
    }
    const hasChange = Object.keys(change.settings).length > 0;
    if (hasChange) this.o.applySettings(change.settings);
    // Report only what changes the shadow: applied settings, or a reported section that
    // is behind what the device runs. The shadow re-sends the delta after every accepted
    // update that leaves one, so reporting on a delta that applied nothing (unknown keys,
    // invalid values) would feed an endless report/delta loop.
    if (hasChange || (kind === 'get-accepted' && reportedDiffers(payload, this.o.getSettings())))
      this.#report();
  }

  /** Count a bad message; warn unless one was warned of within the last minute. */
  #bad(fields: Record<string, unknown>, message: string): void {
    this.o.counters.badCloudMessages++;
    const now = monotonicNow(this.o.clock ?? systemClock);
    if (this.#lastWarnAt !== undefined && now - this.#lastWarnAt < BAD_MESSAGE_WARN_INTERVAL_MS) {
      this.#suppressed++;
      this.o.logger.debug(fields, message);
      return;
    }
    this.#lastWarnAt = now;
    const suppressed = this.#suppressed;
    this.#suppressed = 0;
    this.o.logger.warn(suppressed > 0 ? { ...fields, suppressed } : fields, message);
  }

  #report(): void {
    const doc = { state: { reported: this.o.getSettings() } };
    this.o.transport
      .publish(topics.shadow(this.o.thingName, 'update'), JSON.stringify(doc), { qos: 1 })
      .catch((err: Error) => this.o.logger.warn({ err: err.message }, 'shadow report failed'));
  }
}
