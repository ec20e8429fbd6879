import { generateNodeSshPublicKey, openSshRsaPublicKey } from '../../azure/scale-set/ssh-key';

/** The forward's generated node SSH key is an OpenSSH ssh-rsa public key of 3072 bits (VMSS-1). */
function readString(buf: Buffer, at: number): [Buffer, number] {
  const n = buf.readUInt32BE(at);
  return [buf.subarray(at + 4, at + 4 + n), at + 4 + n];
}

function parse(key: string): { type: string; e: bigint; bits: number; comment: string } {
  const [type, blob, comment] = key.split(' ');
  const b = Buffer.from(blob, 'base64');
  const [t, i1] = readString(b, 0);
  const [e, i2] = readString(b, i1);
  const [n, end] = readString(b, i2);
  expect(end).toBe(b.length);
  expect(t.toString()).toBe(type);
  const modulus = BigInt(`0x${n.toString('hex')}`);
  return { type, e: BigInt(`0x${e.toString('hex')}`), bits: modulus.toString(2).length, comment };
}

describe('node SSH key', () => {
  it('generated: ssh-rsa, e = 65537, a 3072-bit modulus, the comment names the forward; two forwards get two keys', async () => {
    const [a, b] = await Promise.all([generateNodeSshPublicKey('plf-a'), generateNodeSshPublicKey('plf-b')]);
    expect(parse(a)).toEqual({ type: 'ssh-rsa', e: 65537n, bits: 3072, comment: 'plf-a' });
    expect(a.split(' ')[1]).not.toBe(b.split(' ')[1]);
  });

  it('the encoder reproduces a published OpenSSH key byte for byte (mpint with a leading zero byte)', () => {
    // Microsoft's example VirtualMachineScaleSet_Create_WithSshAuthentication (a 2048-bit key).
    const published = 'AAAAB3NzaC1yc2EAAAADAQABAAABAQCeClRAk2ipUs/l5voIsDC5q9RI+YSRd1Bvd/O+axgY4WiBzG+4FwJWZm/mLLe5DoOdHQwmU2FrKXZSW4w2sYE70KeWnrFViCOX5MTVvJgPE8ClugNl8RWth/tU849DvM9sT7vFgfVSHcAS2yDRyDlueii+8nF2ym8XWAPltFVCyLHRsyBp5YPqK8JFYIa1eybKsY3hEAxRCA+/7bq8et+Gj3coOsuRmrehav7rE6N12Pb80I6ofa6SM5XNYq4Xk0iYNx7R3kdz0Jj9XgZYWjAHjJmT0gTRoOnt6upOuxK7xI/ykWrllgpXrCPu3Ymz+c+ujaqcxDopnAl2lmf69/J1';
    const b = Buffer.from(published, 'base64');
    const [, i1] = readString(b, 0);
    const [e, i2] = readString(b, i1);
    const [n] = readString(b, i2);
    // Strip the mpint sign byte: the encoder must add it back.
    const raw = n[0] === 0 ? n.subarray(1) : n;
    expect(openSshRsaPublicKey(e, raw, 'c')).toBe(`ssh-rsa ${published} c`);
  });
});
