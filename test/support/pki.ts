import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Files of a throwaway PKI made for one test run (never committed: *.pem is ignored). */
export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** Client cert and key paths by common name (the thing name). */
  clients: Record<string, { cert: string; key: string }>;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Make a CA, a server certificate for 127.0.0.1/localhost and one client certificate per
 * common name, with the openssl CLI (EC P-256 keys: fast to make). All files go in `dir`.
 */
export function makeTestPki(dir: string, clientNames: string[]): TestPki {
  const ecKey = (name: string) =>
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', name], dir);
  ecKey('ca.key');
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-sha256',
      '-days',
      '2',
      '-subj',
      '/CN=smartdoor test CA',
      '-out',
      'ca.pem',
    ],
    dir,
  );
  const issue = (name: string, cn: string, ext: string) => {
    ecKey(`${name}.key`);
    openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`], dir);
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '2',
        '-sha256',
        '-extfile',
        `${name}.ext`,
        '-out',
        `${name}.pem`,
      ],
      dir,
    );
  };
  issue(
    'server',
    'localhost',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n',
  );
  const clients: TestPki['clients'] = {};
  for (const cn of clientNames) {
    issue(`client-${cn}`, cn, 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
    clients[cn] = { cert: join(dir, `client-${cn}.pem`), key: join(dir, `client-${cn}.key`) };
  }
  return {
    dir,
    caCert: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clients,
  };
}
