import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TcpProxy } from './tcp-proxy.js';

function echoServer(): Promise<Server> {
  const server = createServer((s) => s.pipe(s));
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => s.write(text));
    s.once('data', (d) => {
      resolve(d.toString());
      s.destroy();
    });
    s.once('error', reject);
    s.once('close', () => reject(new Error('closed')));
  });
}

describe('Class: TcpProxy', () => {
  let upstream: Server;
  let proxy: TcpProxy;

  beforeEach(async () => {
    upstream = await echoServer();
    proxy = new TcpProxy({ upstream: { host: '127.0.0.1', port: (upstream.address() as AddressInfo).port } });
    await proxy.start();
  });

  afterEach(async () => {
    await proxy.stop();
    await new Promise((r) => upstream.close(r));
  });

  it('passes bytes both ways', async () => {
    // Act / Assess
    expect(await roundTrip(proxy.port, 'hello')).toBe('hello');
  });

  describe('Method: cut', () => {
    it('drops open connections and refuses new ones until heal', async () => {
      // Prepare
      const open = connect({ port: proxy.port, host: '127.0.0.1' });
      await new Promise((r) => open.once('connect', r));
      await new Promise((r) => setTimeout(r, 20));
      const closed = new Promise((r) => open.once('close', r));
      // Act
      proxy.cut();
      // Assess
      await closed;
      await expect(roundTrip(proxy.port, 'x')).rejects.toThrow();
      proxy.heal();
      expect(await roundTrip(proxy.port, 'back')).toBe('back');
    });
  });

  describe('Method: setUpstream', () => {
    it('sends new connections to the new upstream', async () => {
      // Prepare
      const other = createServer((s) => s.once('data', () => s.end('other')));
      await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
      // Act
      proxy.setUpstream({ host: '127.0.0.1', port: (other.address() as AddressInfo).port });
      // Assess
      expect(await roundTrip(proxy.port, 'x')).toBe('other');
      await new Promise((r) => other.close(r));
    });
  });
});
