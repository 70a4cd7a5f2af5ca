import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalHttpServer } from './http-server.js';

describe('Class: LocalHttpServer', () => {
  let server: LocalHttpServer | undefined;

  afterEach(async () => {
    await server?.close();
  });

  async function started(): Promise<{ s: LocalHttpServer; url: string }> {
    server = new LocalHttpServer({ logger: pino({ level: 'silent' }) });
    const { url } = await server.listen('127.0.0.1', 0);
    return { s: server, url };
  }

  describe('Method: registerHttpRoute', () => {
    it('serves a placeholder page at / until a route replaces it', async () => {
      // Prepare
      const { s, url } = await started();
      const before = await fetch(url);

      // Act
      s.registerHttpRoute('GET', '/', (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('dashboard');
      });
      const after = await fetch(`${url}/?x=1`);

      // Assess
      expect(before.status).toBe(200);
      expect(await before.text()).toContain('smartdoor local cloud');
      expect(await after.text()).toBe('dashboard');
    });

    it('answers 404 naming the route, and 500 when a handler throws', async () => {
      // Prepare
      const { s, url } = await started();
      s.registerHttpRoute('post', '/boom', () => {
        throw new Error('boom');
      });

      // Act
      const missing = await fetch(`${url}/nope`);
      const failing = await fetch(`${url}/boom`, { method: 'POST' });

      // Assess
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ message: 'no route for GET /nope' });
      expect(failing.status).toBe(500);
    });

    it('answers /healthz for scripts waiting on the cloud', async () => {
      // Prepare
      const { url } = await started();

      // Act
      const res = await fetch(`${url}/healthz`);

      // Assess
      expect(await res.json()).toEqual({ ok: true });
    });
  });
});
