/**
 * The Device Shadow document logic against AWS's worked examples. Each case cites the page
 * and section it copies:
 * - DATA-FLOW: "Interacting with shadows", https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-data-flow.html
 * - DOCUMENT: "Device Shadow service documents", https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-document.html
 * - MQTT: "Device Shadow MQTT topics", https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-mqtt.html
 * - ERRORS: "Device Shadow error messages", https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-error-messages.html
 */
import { describe, expect, it } from 'vitest';
import { ShadowRejectedError } from './errors.js';
import {
  applyUpdate,
  computeDelta,
  parseOptionalClientToken,
  parseUpdateRequest,
  type ShadowDocument,
} from './shadow-document.js';
import { deleteResponse, errorDocument, getResponse } from './shadow-responses.js';

const T1 = 1_700_000_000;
const T2 = 1_700_000_100;

function update(current: ShadowDocument | undefined, body: unknown, now = T1, base = 0) {
  return applyUpdate(current, base, parseUpdateRequest(JSON.stringify(body)), now);
}

function rejection(fn: () => unknown): ShadowRejectedError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ShadowRejectedError) return err;
    throw err;
  }
  throw new Error('expected a ShadowRejectedError');
}

describe('Function: applyUpdate', () => {
  it('accepts a client desired state and sends the delta when nothing is reported (DATA-FLOW: Updating a shadow when a client requests a state change)', () => {
    // Prepare
    const body = { state: { desired: { color: { r: 10 }, engine: 'ON' } } };

    // Act
    const out = update(undefined, body);

    // Assess
    expect(out.accepted).toEqual({
      state: { desired: { color: { r: 10 }, engine: 'ON' } },
      metadata: { desired: { color: { r: { timestamp: T1 } }, engine: { timestamp: T1 } } },
      version: 1,
      timestamp: T1,
    });
    expect(out.delta).toEqual({
      state: { color: { r: 10 }, engine: 'ON' },
      metadata: { color: { r: { timestamp: T1 } }, engine: { timestamp: T1 } },
      version: 1,
      timestamp: T1,
    });
    expect(out.documents).toEqual({
      previous: null,
      current: {
        state: { desired: { color: { r: 10 }, engine: 'ON' } },
        metadata: { desired: { color: { r: { timestamp: T1 } }, engine: { timestamp: T1 } } },
        version: 1,
      },
      timestamp: T1,
    });
  });

  it('sends no delta once the device reports the desired state (DATA-FLOW: Updating a shadow when a device reports its current state)', () => {
    // Prepare
    const asked = update(undefined, { state: { desired: { color: { r: 10 }, engine: 'ON' } } }).next;

    // Act
    const out = update(asked, { state: { reported: { color: { r: 10 }, engine: 'ON' } } }, T2);

    // Assess
    expect(out.delta).toBeUndefined();
    expect(out.accepted).toEqual({
      state: { reported: { color: { r: 10 }, engine: 'ON' } },
      metadata: { reported: { color: { r: { timestamp: T2 } }, engine: { timestamp: T2 } } },
      version: 2,
      timestamp: T2,
    });
    expect((out.documents.previous as { version: number }).version).toBe(1);
    expect(getResponse(out.next, T2)).toEqual({
      state: { desired: { color: { r: 10 }, engine: 'ON' }, reported: { color: { r: 10 }, engine: 'ON' } },
      metadata: {
        desired: { color: { r: { timestamp: T1 } }, engine: { timestamp: T1 } },
        reported: { color: { r: { timestamp: T2 } }, engine: { timestamp: T2 } },
      },
      version: 2,
      timestamp: T2,
    });
  });

  it('rejects a stale version with 409 and accepts the matching one, replacing the whole array (DATA-FLOW: Optimistic locking)', () => {
    // Prepare
    const initial: ShadowDocument = {
      state: { desired: { colors: ['RED', 'GREEN', 'BLUE'] } },
      metadata: { desired: { colors: { timestamp: T1 } } },
      version: 10,
    };
    const token = '426bfd96-e720-46d3-95cd-014e3ef12bb6';

    // Act
    const stale = rejection(() =>
      update(initial, { state: { desired: { colors: ['BLUE'] } }, version: 9, clientToken: token }),
    );
    const out = update(initial, { state: { desired: { colors: ['BLUE'] } }, version: 10 }, T2);

    // Assess
    expect(errorDocument(stale, T2)).toEqual({
      code: 409,
      message: 'Version conflict',
      timestamp: T2,
      clientToken: token,
    });
    expect(stale.code).toBe('ConflictException');
    expect(out.next.state).toEqual({ desired: { colors: ['BLUE'] } });
    expect(out.next.version).toBe(11);
  });

  it('deletes a property set to null, with its metadata (DATA-FLOW: Deleting a property from a shadow document)', () => {
    // Prepare
    const before = update(undefined, { state: { desired: { color: 'red', engine: 'ON' } } }).next;

    // Act
    const out = update(before, { state: { desired: { engine: null } } }, T2);

    // Assess
    expect(out.next.state).toEqual({ desired: { color: 'red' } });
    expect(out.next.metadata).toEqual({ desired: { color: { timestamp: T1 } } });
    expect(out.accepted.state).toEqual({ desired: { engine: null } });
    expect(out.accepted.metadata).toEqual({ desired: { engine: { timestamp: T2 } } });
  });

  it('removes the desired section set to null (DOCUMENT: Empty shadow document properties)', () => {
    // Prepare
    const before = update(undefined, {
      state: { desired: { color: 'red' }, reported: { color: 'blue' } },
    }).next;

    // Act
    const out = update(before, { state: { reported: { color: 'red' }, desired: null } }, T2);

    // Assess
    expect(out.next.state).toEqual({ reported: { color: 'red' } });
    expect(out.next.metadata).toEqual({ reported: { color: { timestamp: T2 } } });
    expect(out.delta).toBeUndefined();
  });

  it('keeps the shadow, empty, when the state is set to null (DATA-FLOW: Deleting a shadow, note)', () => {
    // Prepare
    const before = update(undefined, { state: { desired: { a: 1 }, reported: { a: 2 } } }).next;

    // Act
    const out = update(before, { state: null }, T2);

    // Assess
    expect(out.next).toEqual({ state: {}, metadata: {}, version: 2 });
    expect(getResponse(out.next, T2)).toEqual({ state: {}, metadata: {}, version: 2, timestamp: T2 });
  });

  it('removes a section whose every key was deleted', () => {
    // Prepare
    const before = update(undefined, { state: { desired: { a: 1 }, reported: { a: 1 } } }).next;

    // Act
    const out = update(before, { state: { desired: { a: null } } }, T2);

    // Assess
    expect(out.next.state).toEqual({ reported: { a: 1 } });
    expect(Object.keys(out.next.metadata)).toEqual(['reported']);
  });

  it('keeps an attribute named __proto__ as data, without touching Object.prototype', () => {
    // Prepare
    const body = '{"state":{"desired":{"__proto__":{"polluted":1}},"reported":{"__proto__":{"polluted":2}}}}';

    // Act
    const out = applyUpdate(undefined, 0, parseUpdateRequest(body), T1);
    const again = applyUpdate(out.next, 0, parseUpdateRequest(body), T2);

    // Assess
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(again.next.state.desired!, '__proto__')).toBe(true);
    expect(JSON.parse(JSON.stringify(again.next.state))).toEqual(
      JSON.parse('{"desired":{"__proto__":{"polluted":1}},"reported":{"__proto__":{"polluted":2}}}'),
    );
    expect(JSON.stringify(again.delta?.state)).toBe('{"__proto__":{"polluted":1}}');
  });

  it('prunes an object whose every key was deleted', () => {
    // Prepare
    const before = update(undefined, { state: { reported: { color: { r: 1 }, on: true } } }).next;

    // Act
    const out = update(before, { state: { reported: { color: { r: null } } } }, T2);

    // Assess
    expect(out.next.state).toEqual({ reported: { on: true } });
    expect(out.next.metadata).toEqual({ reported: { on: { timestamp: T1 } } });
  });

  it('sends every differing desired attribute in the delta, also those not in this update (MQTT: /update/delta message body details)', () => {
    // Prepare
    const before = update(undefined, {
      state: {
        desired: { a: 1, b: 2, nested: { x: 1, y: 2 } },
        reported: { a: 1, b: 0, extra: true, nested: { x: 1, y: 0 } },
      },
    }).next;

    // Act
    const out = update(before, { state: { reported: { a: null } } }, T2);

    // Assess: a was deleted from reported (included), b differs, y differs; extra is reported only.
    expect(out.delta?.state).toEqual({ a: 1, b: 2, nested: { y: 2 } });
    expect(out.delta?.metadata).toEqual({
      a: { timestamp: T1 },
      b: { timestamp: T1 },
      nested: { y: { timestamp: T1 } },
    });
  });

  it('continues from the version of a shadow deleted within 48 hours (DATA-FLOW: DELETE)', () => {
    // Act
    const out = update(undefined, { state: { reported: { a: 1 } } }, T2, 4);

    // Assess
    expect(out.next.version).toBe(5);
    expect(deleteResponse(4, T2, 'tok')).toEqual({ version: 4, timestamp: T2, clientToken: 'tok' });
  });

  it('refuses a document whose state would be over 8 KB with 413 (Diagnosing shadows)', () => {
    // Prepare
    const body = { state: { reported: { blob: 'x'.repeat(8200) } }, clientToken: 'c1' };

    // Act
    const err = rejection(() => update(undefined, body));

    // Assess
    expect([err.httpCode, err.message, err.clientToken]).toEqual([
      413,
      'The payload exceeds the maximum size allowed',
      'c1',
    ]);
  });

  it('echoes the clientToken in accepted, delta and documents (DOCUMENT: Client tokens in shadow documents)', () => {
    // Act
    const out = update(undefined, { state: { desired: { a: 1 } }, clientToken: 'tok-1' });

    // Assess
    expect([out.accepted.clientToken, out.delta?.clientToken, out.documents.clientToken]).toEqual([
      'tok-1',
      'tok-1',
      'tok-1',
    ]);
  });
});

describe('Function: parseUpdateRequest', () => {
  const cases: Array<[string, string | Buffer, number, string]> = [
    ['not JSON', '{"state":', 400, 'Invalid JSON'],
    ['not an object', '[1]', 400, 'Invalid JSON'],
    ['no state', '{"desired":{}}', 400, 'Missing required node: state'],
    ['state a string', '{"state":"on"}', 400, 'State node must be an object'],
    ['desired an array', '{"state":{"desired":[1]}}', 400, 'Desired node must be an object'],
    ['reported a number', '{"state":{"reported":3}}', 400, 'Reported node must be an object'],
    ['an unknown node', '{"state":{"delta":{}}}', 400, 'State contains an invalid node'],
    ['a negative version', '{"state":{},"version":-1}', 400, 'Invalid version'],
    ['a string version', '{"state":{},"version":"3"}', 400, 'Invalid version'],
    [
      'a 65-byte clientToken',
      JSON.stringify({ state: {}, clientToken: 'x'.repeat(65) }),
      400,
      'Invalid clientToken',
    ],
    [
      '7 levels',
      '{"state":{"desired":{"a":{"b":{"c":{"d":{"e":{"f":{"g":1}}}}}}}}}',
      400,
      'JSON contains too many levels of nesting; maximum is 6',
    ],
    [
      'an array nested 20000 levels (without overflowing the stack)',
      `{"state":{"reported":{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}}}`,
      400,
      'JSON contains too many levels of nesting; maximum is 6',
    ],
    [
      "a request over IoT Core's 128 KB message limit, before reading it",
      `{"state":{"reported":{"a":[${Array(300_000).fill('1').join(',')}]}}}`,
      413,
      'The payload exceeds the maximum size allowed',
    ],
    [
      'a null in an array (DOCUMENT: Array values)',
      '{"state":{"desired":{"colors":[null,"RED"]}}}',
      400,
      'Invalid JSON',
    ],
    [
      'bytes that are not UTF-8',
      Buffer.from([0x7b, 0xff, 0x7d]),
      415,
      'Unsupported documented encoding; supported encoding is UTF-8',
    ],
  ];

  it.each(cases)('rejects %s with the message AWS uses (ERRORS)', (_what, payload, code, message) => {
    // Act
    const err = rejection(() => parseUpdateRequest(payload));

    // Assess
    expect([err.httpCode, err.message]).toEqual([code, message]);
  });

  it('accepts 6 levels of nesting', () => {
    // Act
    const request = parseUpdateRequest('{"state":{"desired":{"a":{"b":{"c":{"d":{"e":{"f":1}}}}}}}}');

    // Assess
    expect(request.state?.desired).toBeDefined();
  });
});

describe('Function: parseOptionalClientToken', () => {
  it('reads the token of a get request and none from an empty one (MQTT: /get)', () => {
    // Act
    const tokens = [
      parseOptionalClientToken(Buffer.alloc(0)),
      parseOptionalClientToken('{"clientToken":"g1"}'),
    ];

    // Assess
    expect(tokens).toEqual([undefined, 'g1']);
  });
});

describe('Function: computeDelta', () => {
  it('compares arrays as whole values and objects key by key (DOCUMENT: Delta state)', () => {
    // Act
    const delta = computeDelta(
      {
        list: [1, 2],
        obj: { same: 1, other: { deep: true } },
        equal: [3],
        rows: [{ a: 1 }],
        moved: [{ a: 1 }],
      },
      {
        list: [1],
        obj: { same: 1, other: { deep: false } },
        equal: [3],
        rows: [{ a: 1 }],
        moved: [{ b: 1 }],
      },
    );

    // Assess
    expect(delta).toEqual({ list: [1, 2], obj: { other: { deep: true } }, moved: [{ a: 1 }] });
  });
});
