/**
 * Buffers made without going through `Buffer#subarray`.
 *
 * `subarray` looks up the species constructor on every call, which costs
 * about three times as much as constructing the typed array directly; for a
 * parser handing out one view per argument that is most of the cost of
 * `Command#get`. {@link view} makes what Node makes for its own `Buffer`s:
 * a `Uint8Array` whose prototype chain goes through `Buffer.prototype`, so
 * every Buffer method works on it, `Buffer.isBuffer` and `instanceof Buffer`
 * are true, and `constructor` is `Buffer`.
 */

/** Gives views their prototype; never called (see {@link view}). */
class BufferView extends Uint8Array {}
Object.setPrototypeOf(BufferView.prototype, Buffer.prototype);
Object.defineProperty(BufferView.prototype, 'constructor', { value: Buffer, writable: true, configurable: true });

/**
 * A Buffer of `_length` bytes of `_memory` from `_byteOffset`, sharing that
 * memory: how every view a decoder hands out is made.
 *
 * Not `new BufferView(…)`: V8 (Node 20 to 24) lowers a derived class's
 * `super()` call only where no try block encloses it once inlined. Views are
 * made in code inlined into the caller's loop, which is often inside one: an
 * async function's whole body, a `for…of` loop, a handler's try/catch.
 * There `new BufferView` cost 23 ns against 14 (3,000,000 views); this
 * construct, with the arguments passed straight through, costs 14 in both.
 */
export function view(_memory: ArrayBuffer, _byteOffset: number, _length: number): Buffer {
  // The parameters are passed on as `arguments` itself: V8 removes that
  // object once this call is inlined, where it would keep a new array.
  return Reflect.construct(Uint8Array, arguments, BufferView) as Buffer;
}

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
  const out = view(slab, slabUsed, n);
  slabUsed += n;
  return out;
}
