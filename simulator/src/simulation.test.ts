import { describe, expect, it } from 'vitest';
import { oneLine } from './simulation.js';

describe('Function: oneLine', () => {
  it('puts an OpenSSL error, which ends with a newline, on one line', () => {
    // Prepare: what Node gives for a TLS alert from the broker.
    const message =
      '807CA47A127F0000:error:0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 48\n';
    // Act
    const line = oneLine(message);
    // Assess
    expect(line).toBe(
      '807CA47A127F0000:error:0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 48',
    );
    expect(oneLine('connect ECONNREFUSED\n  127.0.0.1:1')).toBe('connect ECONNREFUSED 127.0.0.1:1');
  });
});
