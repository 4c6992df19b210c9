/**
 * Buffers made without going through `Buffer#subarray`.
 *
 * `subarray` looks up the species constructor on every call, which costs
 * about three times as much as constructing the typed array directly; for a
 * parser handing out one view per argument that is most of the cost of
 * `Command#get`. {@link BufferView} is what Node does for its own `Buffer`s:
 * a `Uint8Array` subclass whose prototype chain goes through
 * `Buffer.prototype`, so every Buffer method works on it, `Buffer.isBuffer`
 * and `instanceof Buffer` are true, and `constructor` is `Buffer`.
 */
export class BufferView extends Uint8Array {
  // Spelled out: the implicit constructor forwards `...args`, which V8 does not optimise as well.
  constructor(buffer: ArrayBuffer, byteOffset: number, length: number) {
    super(buffer, byteOffset, length);
  }
}
Object.setPrototypeOf(BufferView.prototype, Buffer.prototype);
Object.defineProperty(BufferView.prototype, 'constructor', { value: Buffer, writable: true, configurable: true });

/** Small buffers are cut from slabs of this size, as Node's own pool does. */
const SLAB = 8 * 1024;
let slab = new ArrayBuffer(SLAB);
let slabUsed = 0;

/**
 * A Buffer of `n` bytes for the caller to fill: for a few bytes, a view cut
 * from a shared slab; otherwise `Buffer.allocUnsafe`. `Command#copy` runs once per
 * stored value, and Node's allocUnsafe spends about as long on its argument
 * checks and pool bookkeeping as on making the view itself. Like Node's pool,
 * a small buffer kept alive keeps its slab alive.
 */
export function allocSmall(n: number): Buffer {
  if (n > SLAB >>> 1) return Buffer.allocUnsafe(n);
  if (n > SLAB - slabUsed) {
    slab = new ArrayBuffer(SLAB);
    slabUsed = 0;
  }
  const out = new BufferView(slab, slabUsed, n) as unknown as Buffer;
  slabUsed += n;
  return out;
}
