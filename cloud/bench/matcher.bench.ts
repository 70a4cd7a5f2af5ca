/**
 * `npm run bench:matcher`: the event-pattern matcher on event-ruler's benchmark (14 rule
 * types x 5 rules over 213,068 city-lots features; here generated, see city-lots-generator.ts),
 * plus mixed sets of 100 and 10,000 rules, and the same inputs through the matcher of
 * serverless-offline-aws-eventbridge in the same run.
 * Protocol: one warm-up pass, five timed passes, medians; passes that are compared (ours and
 * the peer's, 100 and 10,000 rules) are timed in turn, round by round. BENCH_EVENTS shrinks the event
 * count; BENCH_PEER_EVENTS the peer's (it is ~100x slower: by default it gets the first 5,000).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { benchCommand } from '../../scripts/bench/options.js';
import { median, printTable, report } from '../../scripts/bench/report.js';
import { RuleMatcher } from '../src/event-pattern/index.js';
import { CITY_LOTS_COUNT, type CityLot, cityLots, seededRandom } from './city-lots-generator.js';

benchCommand(
  'bench:matcher',
  "The event-pattern matcher on event-ruler's city-lots benchmark, beside serverless-offline-aws-eventbridge's matcher. BENCH_EVENTS shrinks the events, BENCH_PEER_EVENTS the peer's",
).parse();
const EVENTS = Number(process.env.BENCH_EVENTS ?? CITY_LOTS_COUNT);
const PEER_EVENTS = Math.min(EVENTS, Number(process.env.BENCH_PEER_EVENTS ?? 5_000));
const PASSES = 5;
const PEER = 'serverless-offline-aws-eventbridge@2.2.4';

interface RuleType {
  rules: object[];
  expectedMatchCountsOverCitylots2: number[];
  readmeEventsPerSecond: string | null;
}
const spec = JSON.parse(
  readFileSync(new URL('./eventruler-benchmark-rules.json', import.meta.url), 'utf8'),
) as {
  ruleTypes: Record<string, RuleType>;
};

/**
 * The peer's matcher: the plugin class's verifyIfValueMatchesEventBridgePatterns
 * (dist/src/index.js), driven as its verifyIsSubscribed drives it for `detail`: flatten the
 * pattern, then every flattened field must match (jsonpath queries per field).
 */
type PeerPlugin = {
  flattenObject(o: object): Record<string, unknown>;
  verifyIfValueMatchesEventBridgePatterns(o: object, field: string, patterns: unknown): boolean;
};
const Plugin = createRequire(import.meta.url)('serverless-offline-aws-eventbridge') as { prototype: object };
const peer = Object.create(Plugin.prototype) as PeerPlugin;
const peerMatches = (flat: [string, unknown][], event: object): boolean =>
  flat.every(([field, values]) => peer.verifyIfValueMatchesEventBridgePatterns(event, field, values));

/**
 * One warm-up of each pass, then five rounds that time each pass once, in turn: passes
 * compared with each other (ours and the peer's) share the same moments of a machine whose
 * load varies. Returns the median seconds of each pass.
 */
function timed(...passes: (() => void)[]): number[] {
  for (const pass of passes) pass();
  const seconds: number[][] = passes.map(() => []);
  for (let round = 0; round < PASSES; round++) {
    for (const [i, pass] of passes.entries()) {
      const start = performance.now();
      pass();
      seconds[i]!.push((performance.now() - start) / 1000);
    }
  }
  return seconds.map(median);
}

process.stderr.write(`generating ${EVENTS} city-lots events...\n`);
const objects: CityLot[] = [...cityLots(EVENTS)];
const texts = objects.map((o) => JSON.stringify(o));
const avgBytes = Math.round(texts.reduce((s, t) => s + t.length, 0) / texts.length);
const peerObjects = objects.slice(0, PEER_EVENTS);
const peerTexts = texts.slice(0, PEER_EVENTS);

interface Pass {
  run: () => void;
  counts: number[];
}

/** A pass of our matcher over the first `events` events with `rules` held. */
function ours(rules: object[], input: 'objects' | 'json', events: number): Pass {
  const matcher = new RuleMatcher<number>();
  for (const [i, r] of rules.entries()) matcher.add(i, r);
  const counts = new Array<number>(rules.length).fill(0);
  const run =
    input === 'objects'
      ? () => {
          counts.fill(0);
          for (let i = 0; i < events; i++) for (const k of matcher.matchesFor(objects[i]!)) counts[k]!++;
        }
      : () => {
          counts.fill(0);
          for (let i = 0; i < events; i++) for (const k of matcher.matchesForJson(texts[i]!)) counts[k]!++;
        };
  return { run, counts };
}

/** A pass of the peer over its events, or the error text if it throws on them. */
function theirs(rules: object[], input: 'objects' | 'json'): Pass | string {
  const flats = rules.map((r) => Object.entries(peer.flattenObject(r)));
  const counts = new Array<number>(rules.length).fill(0);
  const run = () => {
    counts.fill(0);
    for (let i = 0; i < PEER_EVENTS; i++) {
      // The plugin itself JSON.parses each entry's Detail: that is its "from JSON" path.
      const event = input === 'objects' ? peerObjects[i]! : (JSON.parse(peerTexts[i]!) as object);
      for (let k = 0; k < flats.length; k++) if (peerMatches(flats[k]!, event)) counts[k]!++;
    }
  };
  try {
    run();
    return { run, counts };
  } catch (e) {
    return (e as Error).message.split('.')[0]!;
  }
}

function compareRow(bench: string, rules: object[], extraNote: string): void {
  for (const input of ['objects', 'json'] as const) {
    const mine = ours(rules, input, EVENTS);
    const check = ours(rules, 'objects', PEER_EVENTS); // our answer on the peer's events
    check.run();
    const them = theirs(rules, input);
    const metric = `${bench} from ${input === 'objects' ? 'parsed objects' : 'JSON strings'}`;
    let peerNote: string;
    let ratio: number | undefined;
    let eps: number;
    if (typeof them === 'string') {
      eps = EVENTS / timed(mine.run)[0]!;
      peerNote = `peer cannot run it: ${them}`;
    } else {
      const [mineSeconds, theirSeconds] = timed(mine.run, them.run);
      eps = EVENTS / mineSeconds!;
      const theirEps = PEER_EVENTS / theirSeconds!;
      if (them.counts.join() !== check.counts.join()) {
        peerNote = `peer gets it wrong: match counts [${them.counts}] vs ours [${check.counts}] on ${PEER_EVENTS} events (${Math.round(theirEps)} events/s)`;
      } else {
        ratio = eps / theirEps;
        peerNote = `peer ${Math.round(theirEps)} events/s on the first ${PEER_EVENTS} events (timed in turn with ours), same matches`;
      }
    }
    report({
      bench: 'matcher',
      metric,
      value: eps,
      unit: 'events/s',
      ...(ratio === undefined ? {} : { peer: PEER, ratio }),
      note: `${EVENTS} events of ${avgBytes} B; matches per rule [${mine.counts}]; ${extraNote}; ${peerNote}`,
    });
  }
}

for (const [name, type] of Object.entries(spec.ruleTypes)) {
  compareRow(
    name,
    type.rules,
    `event-ruler README ${type.readmeEventsPerSecond ?? 'n/a'} events/s, its citylots2 counts [${type.expectedMatchCountsOverCitylots2}]`,
  );
}

/**
 * Mixed sets: the 70 benchmark rules, then variants of the 14 types (round robin) whose
 * operands come from one sampled event and are as selective as the originals' rarest rules
 * (a lot id, its block, a narrow coordinate window), so that the matches per event stay about
 * the same from 100 to 10,000 rules and the rows measure lookup, not output. The anything-but
 * variants also name their event's MAPBLKLOT: alone they match nearly every event.
 */
function mixedRules(n: number): object[] {
  const random = seededRandom(n);
  const base = Object.values(spec.ruleTypes).flatMap((t) => t.rules);
  const names = Object.keys(spec.ruleTypes);
  const out = base.slice(0, n);
  for (let i = out.length; i < n; i++) {
    const e = objects[Math.floor(random() * objects.length)]!;
    const p = e.properties as Record<string, string>;
    const street = p.STREET!;
    const lot = p.MAPBLKLOT!;
    const x = e.geometry.firstCoordinates.x;
    const props = (v: object) => ({ properties: v });
    const butLot = (v: unknown) => props({ MAPBLKLOT: [lot], STREET: [{ 'anything-but': v }] });
    const rule: Record<string, object> = {
      EXACT: props({ MAPBLKLOT: [lot] }),
      WILDCARD: props({ MAPBLKLOT: [{ wildcard: `${lot.slice(0, 4)}*${lot.slice(-2)}` }] }),
      PREFIX: props({ BLKLOT: [{ prefix: lot.slice(0, 6) }] }),
      PREFIX_EQUALS_IGNORE_CASE: props({ BLKLOT: [{ prefix: { 'equals-ignore-case': lot.slice(0, 6) } }] }),
      SUFFIX: props({ BLKLOT: [{ suffix: lot.slice(-6) }] }),
      SUFFIX_EQUALS_IGNORE_CASE: props({ BLKLOT: [{ suffix: { 'equals-ignore-case': lot.slice(-6) } }] }),
      EQUALS_IGNORE_CASE: props({ BLKLOT: [{ 'equals-ignore-case': lot }] }),
      NUMERIC: { geometry: { firstCoordinates: { x: [{ numeric: ['>', x - 0.00001, '<', x + 0.00001] }] } } },
      ANYTHING_BUT: butLot([street]),
      ANYTHING_BUT_IGNORE_CASE: butLot({ 'equals-ignore-case': [street.toLowerCase()] }),
      ANYTHING_BUT_PREFIX: butLot({ prefix: street.slice(0, 2) }),
      ANYTHING_BUT_SUFFIX: butLot({ suffix: street.slice(-2) }),
      ANYTHING_BUT_WILDCARD: props({
        MAPBLKLOT: [lot],
        BLOCK_NUM: [{ 'anything-but': { wildcard: `${lot.slice(0, 3)}*` } }],
      }),
      COMPLEX_ARRAYS: {
        geometry: { coordinates: { x: [{ numeric: ['>', x - 0.000005, '<', x + 0.000005] }] } },
      },
    };
    out.push(rule[names[i % names.length]!]!);
  }
  return out;
}

const mixedEps = new Map<string, number>();
const mixed = new Map([100, 10_000].map((n) => [n, mixedRules(n)]));
for (const input of ['objects', 'json'] as const) {
  // The two sizes are timed in turn, so that their ratio compares like with like.
  const passes = [...mixed].map(([n, rules]) => ({ n, pass: ours(rules, input, EVENTS) }));
  const seconds = timed(...passes.map((p) => p.pass.run));
  for (const [i, { n, pass }] of passes.entries()) {
    const eps = EVENTS / seconds[i]!;
    mixedEps.set(`${n} ${input}`, eps);
    const matches = pass.counts.reduce((s, c) => s + c, 0) / EVENTS;
    report({
      bench: 'matcher',
      metric: `mixed ${n} rules from ${input === 'objects' ? 'parsed objects' : 'JSON strings'}`,
      value: eps,
      unit: 'events/s',
      note: `${EVENTS} events; ${matches.toFixed(2)} matches per event; peer cannot run it: the set has wildcard rules (it throws "not supported") and forms it gets wrong (see the rows above)`,
    });
  }
}
for (const input of ['objects', 'json'] as const) {
  report({
    bench: 'matcher',
    metric: `cost of 10000 rules / cost of 100 rules, from ${input === 'objects' ? 'parsed objects' : 'JSON strings'}`,
    value: mixedEps.get(`100 ${input}`)! / mixedEps.get(`10000 ${input}`)!,
    unit: 'x',
    note: '1 would be perfectly flat; matches per event are about equal in both sets',
  });
}
report({
  bench: 'matcher',
  metric: 'load average at the end of the run',
  value: loadavg()[0]!,
  unit: 'runnable',
  note: `${cpus().length} cores, shared with other work: medians under contention understate the matcher`,
});

printTable();
