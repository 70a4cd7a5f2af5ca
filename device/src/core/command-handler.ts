import { parseTopic, type ShadowSettings, topics } from '@smartdoor/shared';
import type { Logger } from 'pino';
import type { Buzzer } from '../inputs/types.js';
import type { Transport } from '../transport/types.js';
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
}

/**
 * Cloud-to-device messages: commands on smartdoor/{thing}/commands, and the classic
 * shadow's update/delta and get/accepted. Settings are applied, then reported back in
 * state.reported. Bad messages are logged and counted, never thrown.
 * https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-comms-device.html
 */
export class CommandHandler {
  #seen = new Set<string>();

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
      this.o.counters.badCloudMessages++;
      this.o.logger.warn({ reason: result.reason }, 'command ignored');
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
      this.o.counters.badCloudMessages++;
      this.o.logger.warn({ reason: change.error }, 'shadow document ignored');
      return;
    }
    if (change.rejected.length > 0) {
      this.o.counters.badCloudMessages++;
      this.o.logger.warn({ rejected: change.rejected }, 'invalid shadow settings ignored');
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

  #report(): void {
    const doc = { state: { reported: this.o.getSettings() } };
    this.o.transport
      .publish(topics.shadow(this.o.thingName, 'update'), JSON.stringify(doc), { qos: 1 })
      .catch((err: Error) => this.o.logger.warn({ err: err.message }, 'shadow report failed'));
  }
}
