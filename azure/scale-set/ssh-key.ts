import { generateKeyPair } from 'node:crypto';

/**
 * A forward's own node SSH key, for when the operator set none (PLF_NODE_SSH_PUBLIC_KEY empty):
 * Azure refuses a Linux scale set with password login off and no SSH key (catalog VMSS-1), and
 * password login is never on. The pair is generated once per forward; its public half is kept with
 * the forward in the registry (store/forward-registry.ts `ensureNodeSshPublicKey`) so every later
 * reconcile sends the same key (no model change, no roll); the private half is dropped here and
 * never kept anywhere: nobody can log in with it, which is the point (the nodes need no login).
 *
 * RSA 3072 in OpenSSH `ssh-rsa` format: the Compute REST spec says the key "needs to be at least
 * 2048-bit and in ssh-rsa format" (SshPublicKey.keyData, azure-rest-api-specs ComputeRP); Ed25519 is
 * accepted for VMs in newer API versions per some Learn pages but not by that text, so RSA it is.
 */
export async function generateNodeSshPublicKey(comment: string): Promise<string> {
  // The private key object goes out of scope unexported: it is never serialised or stored.
  const jwk = await new Promise<{ n?: string; e?: string }>((resolve, reject) =>
    generateKeyPair('rsa', { modulusLength: 3072 }, (err, pub) => (err ? reject(err) : resolve(pub.export({ format: 'jwk' })))),
  );
  return openSshRsaPublicKey(Buffer.from(String(jwk.e), 'base64url'), Buffer.from(String(jwk.n), 'base64url'), comment);
}

/** `ssh-rsa <base64 of string "ssh-rsa", mpint e, mpint n> <comment>` (RFC 4253 6.6). */
export function openSshRsaPublicKey(e: Buffer, n: Buffer, comment: string): string {
  const str = (b: Buffer) => Buffer.concat([u32(b.length), b]);
  // mpint: big-endian two's complement, a leading zero byte when the top bit is set.
  const mpint = (b: Buffer) => str(b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
  const blob = Buffer.concat([str(Buffer.from('ssh-rsa')), mpint(e), mpint(n)]);
  return `ssh-rsa ${blob.toString('base64')} ${comment}`;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
