import { describe, expect, it } from 'vitest';
import { AwsServiceError } from './errors.js';
import { RestRouter } from './rest-router.js';
import type { AwsRequest } from './types.js';

const req = (method: string, path: string): AwsRequest => ({
  service: 'iotdata',
  method,
  path,
  query: new URLSearchParams(),
  headers: {},
  body: Buffer.alloc(0),
  region: 'us-east-1',
  accountId: '1',
});

describe('Class: RestRouter', () => {
  const router = new RestRouter()
    .add('GET', '/things/{thingName}/shadow', 'GetThingShadow', async (r, p) => ({
      body: { op: r.operation, p },
    }))
    .add('POST', '/topics/{topic}', 'Publish', async (_r, p) => ({ body: p }))
    .add('GET', '/files/{key+}', 'GetFile', async (_r, p) => ({ body: p }));

  describe('Method: handle', () => {
    it('sets the operation and decodes path labels', async () => {
      // Act
      const shadow = await router.handle(req('GET', '/things/door%201/shadow'));
      const topic = await router.handle(req('POST', '/topics/a%2Fb'));
      const greedy = await router.handle(req('GET', '/files/x/y%20z'));
      // Assess
      expect(shadow.body).toEqual({ op: 'GetThingShadow', p: { thingName: 'door 1' } });
      expect(topic.body).toEqual({ topic: 'a/b' });
      expect(greedy.body).toEqual({ key: 'x/y z' });
    });

    it('answers 405 for a known path with the wrong method and 404 for an unknown path', async () => {
      // Act
      const wrongMethod = await router.handle(req('DELETE', '/topics/x')).catch((e: unknown) => e);
      const unknown = await router.handle(req('GET', '/nope')).catch((e: unknown) => e);
      // Assess
      expect(wrongMethod).toMatchObject({ code: 'MethodNotAllowedException', status: 405 });
      expect(unknown).toMatchObject({ code: 'UnknownOperationException', status: 404 });
      expect(unknown).toBeInstanceOf(AwsServiceError);
    });
  });
});
