import * as fs from 'node:fs';
import * as path from 'node:path';
import { generate } from 'selfsigned';

/**
 * A throwaway CA and a server certificate for 127.0.0.1/localhost, generated at every start with
 * the `selfsigned` library (no openssl binary). The SDK clients trust the CA through
 * `tlsOptions: { ca }`; the CA PEM is written to a file for out-of-process clients.
 */
export interface EmulatorTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export async function generateTls(): Promise<EmulatorTls> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(Date.now() + 30 * 24 * 3600_000);
  const ca = await generate([{ name: 'commonName', value: 'plf emulator local CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { caPem: ca.cert, certPem: server.cert, keyPem: server.private };
}

export function writeCaFile(file: string, caPem: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, caPem);
}
