import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestPki {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate from another CA, which the server must refuse. */
  strangerCert: string;
  strangerKey: string;
}

/**
 * A throw-away PKI made with the openssl CLI in `dir`, for tests: a CA, a server
 * certificate for localhost/127.0.0.1 and client certificates. Nothing here is ever committed.
 */
export function makeTestPki(dir: string): TestPki {
  const p = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const key = (name: string) => {
    ssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', p(name));
    chmodSync(p(name), 0o600);
  };
  const selfSigned = (keyName: string, certName: string, cn: string) =>
    ssl(
      'req',
      '-x509',
      '-new',
      '-key',
      p(keyName),
      '-out',
      p(certName),
      '-days',
      '365',
      '-subj',
      `/CN=${cn}`,
    );
  const signed = (
    keyName: string,
    certName: string,
    cn: string,
    caKey: string,
    caCert: string,
    ext?: string,
  ) => {
    ssl('req', '-new', '-key', p(keyName), '-out', p(`${certName}.csr`), '-subj', `/CN=${cn}`);
    const args = ['x509', '-req', '-in', p(`${certName}.csr`), '-CA', p(caCert), '-CAkey', p(caKey)];
    args.push('-CAcreateserial', '-out', p(certName), '-days', '365');
    if (ext) {
      writeFileSync(p(`${certName}.ext`), ext);
      args.push('-extfile', p(`${certName}.ext`));
    }
    ssl(...args);
  };
  key('ca.key');
  selfSigned('ca.key', 'ca.pem', 'smartdoor test CA');
  key('server.key');
  signed(
    'server.key',
    'server.pem',
    'localhost',
    'ca.key',
    'ca.pem',
    'subjectAltName=DNS:localhost,IP:127.0.0.1\n',
  );
  key('client.key');
  signed('client.key', 'client.pem', 'door-001', 'ca.key', 'ca.pem');
  key('other-ca.key');
  selfSigned('other-ca.key', 'other-ca.pem', 'another CA');
  key('stranger.key');
  signed('stranger.key', 'stranger.pem', 'door-999', 'other-ca.key', 'other-ca.pem');
  return {
    caCert: p('ca.pem'),
    serverCert: p('server.pem'),
    serverKey: p('server.key'),
    clientCert: p('client.pem'),
    clientKey: p('client.key'),
    strangerCert: p('stranger.pem'),
    strangerKey: p('stranger.key'),
  };
}
