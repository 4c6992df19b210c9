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

