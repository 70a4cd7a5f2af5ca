import { CompiledEventPattern, compileEventPattern } from './compile.js';
import { FieldMachine, type Sink } from './field-machine.js';
import { agreesWithAll, type Chosen, flatten, LeafTable, PathTree } from './flatten.js';
import { scanJson } from './json-scan.js';
import type { Alternative } from './model.js';
import type { PatternLimits } from './parse.js';

/** Options of a RuleMatcher. */
export interface RuleMatcherOptions {
  /**
   * Limits every added pattern must respect.
   * @default DEFAULT_LIMITS (2048 characters, 1000 alternatives)
   */
  limits?: PatternLimits;
}

/**
 * One state of the rule machine. Every alternative of every rule is a path of states, one
 * step per field test (tests in path order); alternatives that begin with the same tests
 * share states, as in event-ruler's NameState automaton.
 */
class NameState {
  /** Value index per path id, for tests that a leaf value can satisfy. */
  readonly fields = new Map<number, FieldMachine<NameState>>();
  /** Tests satisfied by the field's absence (exists: false), per path id. */
  readonly absent: { pathId: number; target: NameState }[] = [];
  /** Next state per test (path + matchers), to share prefixes. */
  readonly children = new Map<string, NameState>();
  /** Internal ids of the rules whose alternative ends here. */
  readonly terminals: number[] = [];
  /** Event stamp of the last visit with no array constraint (to visit such states once). */
  seen = 0;
  get isLeaf(): boolean {
    return this.fields.size === 0 && this.absent.length === 0;
  }
}

/**
 * Many rules, one pass per event: the event's named leaves are read once and driven through a
 * shared automaton, so the cost follows the event and the rules it matches, not the number
 * of rules held (event-ruler's Machine.rulesForJSONEvent is the model).
 *
 * `add` extends the machine in place; `remove` marks it stale and it is rebuilt from the
 * held patterns before the next match (removal is rare next to matching).
 */
export class RuleMatcher<K> {
  private readonly limits: PatternLimits | undefined;
  private readonly rules = new Map<K, { id: number; pattern: CompiledEventPattern }>();
  private keys: K[] = [];
  private root = new NameState();
  private tree = new PathTree();
  private pathCount = 0;
  private table = new LeafTable(0);
  private stale = false;
  private stamp = 0;
  private ruleStamp: number[] = [];
  private found: K[] = [];
  private readonly sink: Sink<NameState> = { items: [], n: 0 };

  constructor(options: RuleMatcherOptions = {}) {
    this.limits = options.limits;
  }

  /** How many rules are held. */
  get size(): number {
    return this.rules.size;
  }

  /** Add (or replace) the rule `key`; throws InvalidEventPatternError for a bad pattern. */
  add(key: K, pattern: string | object | CompiledEventPattern): void {
    const compiled =
      pattern instanceof CompiledEventPattern ? pattern : compileEventPattern(pattern, this.limits);
    if (this.rules.has(key)) this.remove(key);
    const id = this.keys.length;
    this.keys.push(key);
    this.rules.set(key, { id, pattern: compiled });
    if (!this.stale) for (const alt of compiled.alternatives) this.insert(alt, id);
  }

  /** Remove the rule `key` (nothing happens if it is not held). */
  remove(key: K): void {
    if (this.rules.delete(key)) this.stale = true;
  }

  /** The keys of the rules that match `event`, each once, in no promised order. */
  matchesFor(event: object): K[] {
    this.prepare();
    flatten(event, this.tree, this.table);
    return this.run();
  }

  /**
   * The same for an event given as JSON text. The text is scanned once and only the values
   * of fields some rule names are decoded; everything else is skipped (checked for structure,
   * not decoded). Throws InvalidEventError for text that is not a JSON object.
   */
  matchesForJson(json: string): K[] {
    this.prepare();
    scanJson(json, this.tree, this.table);
    return this.run();
  }

  private prepare(): void {
    if (this.stale) this.rebuild();
    if (this.table.values.length !== this.pathCount) this.table = new LeafTable(this.pathCount);
  }

  private rebuild(): void {
    const held = [...this.rules.entries()];
    this.rules.clear();
    this.keys = [];
    this.ruleStamp = [];
    this.root = new NameState();
    this.tree = new PathTree();
    this.pathCount = 0;
    this.stale = false;
    for (const [key, { pattern }] of held) this.add(key, pattern);
  }

  private pathId(path: string): number {
    const node = this.tree.add(path);
    if (node.id < 0) node.id = this.pathCount++;
    return node.id;
  }

  private insert(alt: Alternative, ruleId: number): void {
    let state = this.root;
    for (const test of alt) {
      const pathId = this.pathId(test.path);
      const stepKey = `${pathId}${test.absent ? '?' : ':'}${JSON.stringify(test.matchers)}`;
      let next = state.children.get(stepKey);
      if (!next) {
        next = new NameState();
        state.children.set(stepKey, next);
        if (test.matchers.length > 0) {
          let machine = state.fields.get(pathId);
          if (!machine) {
            machine = new FieldMachine<NameState>();
            state.fields.set(pathId, machine);
          }
          for (const m of test.matchers) machine.add(m, next);
        }
        if (test.absent) state.absent.push({ pathId, target: next });
      }
      state = next;
    }
    state.terminals.push(ruleId);
  }

  private run(): K[] {
    this.stamp++;
    this.found = [];
    this.root.seen = this.stamp;
    this.visit(this.root, null);
    return this.found;
  }

  private visit(state: NameState, chosen: Chosen | null): void {
    for (const id of state.terminals) {
      if (this.ruleStamp[id] !== this.stamp) {
        this.ruleStamp[id] = this.stamp;
        this.found.push(this.keys[id]!);
      }
    }
    if (state.fields.size > 0) {
      const touched = this.table.touched;
      const touchedCount = this.table.touchedCount;
      if (state.fields.size <= touchedCount) {
        for (const [pathId, machine] of state.fields) this.follow(pathId, machine, chosen);
      } else {
        for (let i = 0; i < touchedCount; i++) {
          const pathId = touched[i]!;
          const machine = state.fields.get(pathId);
          if (machine) this.follow(pathId, machine, chosen);
        }
      }
    }
    for (const { pathId, target } of state.absent) {
      if (!this.hasAgreeingLeaf(pathId, chosen)) this.step(target, chosen);
    }
  }

  private follow(pathId: number, machine: FieldMachine<NameState>, chosen: Chosen | null): void {
    const count = this.table.counts[pathId]!;
    if (count === 0) return;
    const values = this.table.values[pathId]!;
    const trails = this.table.trails[pathId]!;
    const sink = this.sink;
    for (let j = 0; j < count; j++) {
      const trail = trails[j]!;
      if (trail !== null && chosen !== null && !agreesWithAll(trail, chosen)) continue;
      // Targets go on a shared stack: this call owns [start, end), deeper calls use above it.
      const start = sink.n;
      machine.collect(values[j], sink);
      const end = sink.n;
      if (end === start) continue;
      const next = trail === null ? chosen : { trail, next: chosen };
      for (let k = start; k < end; k++) this.step(sink.items[k]!, next);
      sink.n = start;
    }
  }

  private step(target: NameState, chosen: Chosen | null): void {
    if (chosen === null || target.isLeaf) {
      // Without array constraints (or with nothing left to check) a state's outcome is the
      // same however it was reached: visit it once per event.
      if (target.seen === this.stamp) return;
      target.seen = this.stamp;
    }
    this.visit(target, chosen);
  }

  private hasAgreeingLeaf(pathId: number, chosen: Chosen | null): boolean {
    const trails = this.table.trails[pathId]!;
    const count = this.table.counts[pathId]!;
    for (let j = 0; j < count; j++) {
      const trail = trails[j]!;
      if (trail === null || agreesWithAll(trail, chosen)) return true;
    }
    return false;
  }
}
