/**
 * A deterministic stand-in for event-ruler's citylots2 benchmark data (213,068 San Francisco
 * city-lots GeoJSON features, about 900 bytes each), which is not available here. Same shape
 * (properties.MAPBLKLOT/BLKLOT/BLOCK_NUM/LOT_NUM/FROM_ST/TO_ST/STREET/ST_TYPE/ODD_EVEN,
 * geometry.type/coordinates/firstCoordinates with {x, y, z} points), same count, and value
 * distributions calibrated on the match counts event-ruler's Benchmarks.java asserts over
 * citylots2 (e.g. 1,910 FULTON lots, 116,386 "ST" street types, 120 MultiPolygons, 70% of
 * first x coordinates west of -122.41600944). Seeded: the same seed gives the same events.
 */

export const CITY_LOTS_COUNT = 213_068;

/** mulberry32: small, fast, good enough for benchmark data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Streets with their share of lots (per 213,068), from the citylots2 match counts where known. */
// biome-ignore format: a data table, kept dense
const STREETS: [string, number][] = [
  ['FULTON', 1910], ['MASON', 2657], ['JEFFERSON', 131], ['BEACH', 211], ['HYDE', 1758], ['CHESTNUT', 825],
  ['FUNSTON', 477], ['ACADIA', 24], ['BLAKE', 442], ['DRUMM', 38], ['RHODE ISLAND', 328],
  ['WASHINGTON', 2450], ['JACKSON', 2100], ['CLAY', 1500], ['MADISON', 420], ['HARRISON', 2200],
  ['MORRISON', 300], ['JOHNSON', 200], ['MISSION', 3900], ['TARAVAL', 2600], ['JUDAH', 2500],
  ['IRVING', 2400], ['LAKE', 1600], ['SACRAMENTO', 2300], ['CALIFORNIA', 2800], ['PINE', 1900],
  ['BUSH', 1800], ['SUTTER', 1700], ['POST', 1200], ['GEARY', 2100], ['OFARRELL', 900], ['ELLIS', 900],
  ['EDDY', 900], ['TURK', 1000], ['GOLDEN GATE', 1100], ['MCALLISTER', 1100], ['OAK', 1300],
  ['PAGE', 1300], ['HAIGHT', 1400], ['WALLER', 900], ['FREDERICK', 800], ['DUBOCE', 500], ['HERMANN', 300],
  ['MARKET', 2600], ['VALENCIA', 1500], ['GUERRERO', 1300], ['DOLORES', 1300], ['CHURCH', 1400],
  ['SANCHEZ', 1600], ['NOE', 1300], ['CASTRO', 1500], ['DIAMOND', 1100], ['DOUGLASS', 900],
  ['HOFFMAN', 600], ['FOLSOM', 2300], ['HOWARD', 1500], ['BRYANT', 2000], ['FLORIDA', 900],
  ['ALABAMA', 1000], ['HAMPSHIRE', 900], ['YORK', 800], ['POTRERO', 1200], ['DE HARO', 700],
  ['CAROLINA', 700], ['WISCONSIN', 700], ['ARKANSAS', 700], ['CONNECTICUT', 800], ['MISSOURI', 900],
  ['TEXAS', 700], ['MISSISSIPPI', 600], ['PENNSYLVANIA', 700], ['IOWA', 300], ['ILLINOIS', 200],
  ['3RD', 1800], ['24TH', 2200], ['18TH', 2000], ['19TH', 2600], ['20TH', 2300], ['21ST', 2100],
  ['22ND', 2200], ['23RD', 2100], ['25TH', 2000], ['26TH', 1800], ['16TH', 1500], ['17TH', 1700],
  ['15TH', 1200], ['14TH', 1100], ['ARGUELLO', 900], ['FUNSTON', 0], ['FELL', 1000], ['DIVISADERO', 1400],
  ['FILLMORE', 1500], ['STEINER', 1400], ['PIERCE', 1300], ['SCOTT', 1300], ['BRODERICK', 1200],
  ['BAKER', 1100], ['LYON', 1100], ['CENTRAL', 800], ['MASONIC', 900], ['ASHBURY', 800], ['CLAYTON', 800],
  ['COLE', 800], ['SHRADER', 700], ['STANYAN', 700], ['ARGONNE', 100], ['OCEAN', 2400],
  ['BROTHERHOOD', 300], ['SLOAT', 700], ['PORTOLA', 800], ['ULLOA', 900], ['VICENTE', 1000],
  ['WAWONA', 1000], ['SANTIAGO', 1500], ['RIVERA', 1500], ['QUINTARA', 1500], ['PACHECO', 1500],
  ['ORTEGA', 1500], ['NORIEGA', 1500], ['MORAGA', 1500], ['LAWTON', 1500], ['KIRKHAM', 1500],
  ['LINCOLN', 1200], ['BALBOA', 2000], ['CABRILLO', 2000], ['ANZA', 1800], ['FULTON ST', 0],
  ['GREAT HIGHWAY', 400], ['SUNSET', 1000], ['SUNNYDALE', 600], ['BAYSHORE', 900], ['SAN BRUNO', 1200],
  ['GENEVA', 1100], ['MANSELL', 300], ['SILVER', 1100], ['CORTLAND', 1000], ['BERNAL HEIGHTS', 700],
  ['PRECITA', 600], ['ALEMANY', 1300], ['PERSIA', 900], ['RUSSIA', 700], ['FRANCE', 700], ['ITALY', 700],
  ['AMAZON', 700], ['GENEVA', 0], ['CAYUGA', 700], ['CONGO', 300], ['FLOOD', 300], ['MONTEREY', 900],
  ['HOLLOWAY', 1000], ['PALMETTO', 300], ['SAN JOSE', 1400], ['MISSION BAY', 300], ['KING', 800],
  ['TOWNSEND', 700], ['BRANNAN', 1300], ['KEARNY', 1000], ['STOCKTON', 1600], ['POWELL', 1600],
  ['TAYLOR', 1300], ['JONES', 1500], ['LEAVENWORTH', 1500], ['LARKIN', 1600], ['POLK', 1700],
  ['VAN NESS', 1400], ['FRANKLIN', 1500], ['GOUGH', 1500], ['OCTAVIA', 1500], ['LAGUNA', 1500],
  ['BUCHANAN', 1500], ['WEBSTER', 1500], ['LOMBARD', 1400], ['GREENWICH', 1500], ['FILBERT', 1600],
  ['UNION', 1600], ['GREEN', 1600], ['VALLEJO', 1600], ['BROADWAY', 1600], ['PACIFIC', 1600],
  ['BAY', 1200], ['NORTH POINT', 1000], ['MARINA', 500], ['PRESIDIO', 900], ['PARKER', 300],
  ['CHENERY', 600], ['DIAMOND HEIGHTS', 500], ['PORTOLA DRIVE', 0], ['TWIN PEAKS', 300], ['CLIPPER', 500],
  ['ELK', 300], ['GOLDING', 13], ['SAN BENITO', 400], ['MONTEZUMA', 200], ['TOLAND', 200],
  ['NEWCOMB', 500], ['OAKDALE', 500], ['PALOU', 600], ['QUESADA', 500], ['REVERE', 500], ['SHAFTER', 400],
  ['THOMAS', 400], ['UNDERWOOD', 300], ['VAN DYKE', 300], ['WALLACE', 200], ['YOSEMITE', 300],
  ['ARMSTRONG', 200], ['BANCROFT', 200], ['CARROLL', 200], ['DONNER', 100], ['EGBERT', 100],
  ['FITZGERALD', 200], ['GILMAN', 200], ['HAWES', 200], ['INGALLS', 300], ['JAMESTOWN', 100], ['KEY', 200],
  ['LE CONTE', 200], ['MEADE', 100], ['UNKNOWN', 2300],
];

/** Street types with their share (116,386 of 213,068 are "ST", per the EQUALS_IGNORE_CASE counts). */
// biome-ignore format: a data table, kept dense
const ST_TYPES: [string | null, number][] = [
  ['ST', 116386], ['AVE', 65000], ['BLVD', 6000], ['WAY', 4500], ['TER', 3500], ['DR', 4200], ['CT', 2600],
  ['PL', 1800], ['LN', 1200], ['RD', 900], ['ALY', 600], ['HWY', 300], ['CIR', 200], [null, 5882],
];

function weighted<T>(table: [T, number][]): (r: number) => T {
  const total = table.reduce((s, [, w]) => s + w, 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const [, w] of table) {
    acc += w / total;
    cumulative.push(acc);
  }
  return (r) => {
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    return table[lo]![0];
  };
}

/** MAPBLKLOT values that event-ruler's EXACT rules count, with their citylots2 counts. */
const PLANTED_LOTS: [string, number][] = [
  ['1430022', 1],
  ['2607117', 101],
  ['2607218', 35],
  ['3745012', 655],
  ['VACSTWIL', 1],
];

const X0 = -122.42916360922355;
const Y0 = 37.729900216217324;

/**
 * Lot longitude: piecewise uniform over San Francisco (-122.514 to -122.357) with citylots2's
 * shares: 70% west of -122.41600944, 60% between -122.46471267 and -122.40630851.
 */
function longitude(r: number): number {
  const cuts: [number, number][] = [
    [0, -122.514],
    [0.2, -122.46471267081272],
    [0.699, -122.41600944012424],
    [0.796, -122.4063085128395],
    [1, -122.357],
  ];
  for (let k = 1; k < cuts.length; k++) {
    const [p1, x1] = cuts[k]!;
    if (r <= p1) {
      const [p0, x0] = cuts[k - 1]!;
      return x0 + ((r - p0) / (p1 - p0)) * (x1 - x0);
    }
  }
  return -122.357;
}

export interface CityLot {
  type: 'Feature';
  properties: Record<string, string | null>;
  geometry: {
    type: 'Polygon' | 'MultiPolygon';
    coordinates: unknown[];
    firstCoordinates: { x: number; y: number; z: number };
  };
}

/**
 * `count` city-lot features for `seed`, one at a time. 120 per 213,068 are MultiPolygons
 * (event-ruler's `geometry.type anything-but Polygon` count).
 */
export function* cityLots(count = CITY_LOTS_COUNT, seed = 20190101): Generator<CityLot> {
  const random = seededRandom(seed);
  const street = weighted(STREETS.filter(([, w]) => w > 0));
  const stType = weighted(ST_TYPES);
  // Which indexes carry the planted MAPBLKLOTs and the MultiPolygons: fixed positions spread evenly.
  const planted = new Map<number, string>();
  let slot = 7;
  for (const [lot, n] of PLANTED_LOTS) {
    for (let i = 0; i < Math.max(1, Math.round((n * count) / CITY_LOTS_COUNT)); i++) {
      slot = (slot + 2_003) % count;
      planted.set(slot, lot);
    }
  }
  const multiEvery = Math.max(1, Math.floor(CITY_LOTS_COUNT / 120));
  for (let i = 0; i < count; i++) {
    const block = String(1 + Math.floor(random() ** 1.15 * 7599)).padStart(4, '0');
    const lotNum = String(1 + Math.floor(random() ** 2 * 240)).padStart(3, '0');
    let mapblklot = planted.get(i) ?? block + lotNum;
    if (
      mapblklot === '1430022' ||
      mapblklot === '2607117' ||
      mapblklot === '2607218' ||
      mapblklot === '3745012'
    ) {
      if (!planted.has(i)) mapblklot = `${block}${String(241 + (i % 700)).padStart(3, '0')}`;
    }
    const from = Math.floor(random() ** 1.4 * 2_800);
    const odd = random() < 0.5;
    const properties: Record<string, string | null> = {
      MAPBLKLOT: mapblklot,
      BLKLOT: mapblklot,
      BLOCK_NUM: mapblklot.slice(0, 4),
      LOT_NUM: mapblklot.slice(4),
      FROM_ST: String(from - (from % 2) + (odd ? 1 : 0)),
      TO_ST: String(from - (from % 2) + (odd ? 1 : 0) + 2 * Math.floor(random() * 6)),
      STREET: street(random()),
      ST_TYPE: stType(random()),
      ODD_EVEN: odd ? 'O' : 'E',
    };
    const multi = i % multiEvery === multiEvery - 1;
    const cx = longitude(random());
    const cy = 37.708 + random() * 0.124;
    const ring = (): { x: number; y: number; z: number }[] => {
      const n = 5 + Math.floor(random() * 12);
      const pts: { x: number; y: number; z: number }[] = [];
      for (let k = 0; k < n - 1; k++) {
        const a = (2 * Math.PI * k) / (n - 1);
        pts.push({
          x: cx + Math.cos(a) * 0.0002 * (0.5 + random()),
          y: cy + Math.sin(a) * 0.00015 * (0.5 + random()),
          z: 0,
        });
      }
      pts.push({ ...pts[0]! }); // rings close on their first point
      return pts;
    };
    const coordinates = multi ? [[ring()], [ring()]] : [ring()];
    // Shared vertices the NUMERIC / COMPLEX_ARRAYS rules look for (218 lots touch x0, 2 start on it).
    if (i % 977 === 500) (coordinates as { x: number }[][])[0]![1]!.x = X0;
    if (i % 977 === 500 && i % 3 === 0 && i < 4_000) (coordinates as { x: number }[][])[0]![0]!.x = X0;
    if (multi && i % (multiEvery * 60) === multiEvery - 1) {
      (coordinates as { y: number }[][][])[0]![0]![2]!.y = Y0;
    }
    const first = (
      multi
        ? (coordinates as { x: number; y: number; z: number }[][][])[0]![0]![0]
        : (coordinates as { x: number; y: number; z: number }[][])[0]![0]
    )!;
    yield {
      type: 'Feature',
      properties,
      geometry: { type: multi ? 'MultiPolygon' : 'Polygon', coordinates, firstCoordinates: { ...first } },
    };
  }
}
