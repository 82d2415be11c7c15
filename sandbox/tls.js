// @ts-check
// A throwaway CA and a server certificate for 127.0.0.1, made with the openssl CLI once per process
// and set of names (two RSA key generations cost about 0.6 s of CPU; every emulator start paid it).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * @param {string} dir an empty directory the keys may be written to (removed by the caller)
 * @param {{ caName: string, serverName: string, dnsNames?: string[] }} names the CA's and server's CN,
 *   and DNS names besides localhost in the server certificate
 * @returns {{ ca: string, cert: string, key: string }} PEM text
 */
export function makeTestCertificates(dir, { caName, serverName, dnsNames = [] }) {
  const key = JSON.stringify([caName, serverName, dnsNames]);
  let made = issued.get(key);
  if (!made) {
    made = makeCertificates(dir, { caName, serverName, dnsNames });
    issued.set(key, made);
  }
  return { ...made };
}

/** @type {Map<string, { ca: string, cert: string, key: string }>} */
const issued = new Map();

/**
 * @param {string} dir
 * @param {{ caName: string, serverName: string, dnsNames: string[] }} names
 * @returns {{ ca: string, cert: string, key: string }}
 */
function makeCertificates(dir, { caName, serverName, dnsNames }) {
  /** @param {string} name */
  const f = (name) => path.join(dir, name);
  /** @param {...string} args */
  const openssl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${caName}`, '-keyout', f('ca.key'), '-out', f('ca.crt'));
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${serverName}`, '-keyout', f('server.key'), '-out', f('server.csr'));
  writeFileSync(
    f('server.ext'),
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${['IP:127.0.0.1', 'DNS:localhost', ...dnsNames.map((d) => `DNS:${d}`)].join(',')}`,
      '',
    ].join('\n'),
  );
  openssl(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    f('server.ext'),
    '-out',
    f('server.crt'),
  );
  return {
    ca: readFileSync(f('ca.crt'), 'utf8'),
    cert: readFileSync(f('server.crt'), 'utf8'),
    key: readFileSync(f('server.key'), 'utf8'),
  };
}
