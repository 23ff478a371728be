import { inflateRawSync } from 'node:zlib';
import { crc32, zip } from './zip';

describe('zip', () => {
  it('computes the CRC-32 check value of "123456789" (0xCBF43926)', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('writes each entry as a deflated local file, a central directory and an end record', () => {
    const data = Buffer.from('print("hi")\n');
    const archive = zip([{ name: 'pkg/__init__.py', data }]);

    expect(archive.readUInt32LE(0)).toBe(0x04034b50);
    expect(archive.readUInt16LE(8)).toBe(8); // deflate
    expect(archive.readUInt32LE(14)).toBe(crc32(data));
    expect(archive.toString('utf-8', 30, 30 + 15)).toBe('pkg/__init__.py');
    const packedSize = archive.readUInt32LE(18);
    expect(inflateRawSync(archive.subarray(45, 45 + packedSize))).toEqual(data);
    const end = archive.subarray(archive.length - 22);
    expect(end.readUInt32LE(0)).toBe(0x06054b50);
    expect(end.readUInt16LE(10)).toBe(1);
    expect(archive.readUInt32LE(end.readUInt32LE(16))).toBe(0x02014b50);
  });

  it('gives the same bytes for the same files', () => {
    const entries = [{ name: 'a.py', data: Buffer.from('x = 1\n') }];

    expect(zip(entries).equals(zip(entries))).toBe(true);
  });
});
