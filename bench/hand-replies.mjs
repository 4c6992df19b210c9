// Replies built by hand, the way a server on redis-parser writes them: text
// concatenated into a string, bulk values (Buffers) kept as they are, one
// Buffer.concat per flush. The baseline for the Writer and the redis-parser server.
const CRLF = Buffer.from('\r\n');

export class HandReplies {
  constructor(stream) {
    this.stream = stream;
    this.text = '';
    this.parts = [];
  }
  simple(s) {
    this.text += '+' + s + '\r\n';
  }
  error(s) {
    this.text += '-' + s + '\r\n';
  }
  int(n) {
    this.text += ':' + n + '\r\n';
  }
  bulk(buf) {
    if (buf === null || buf === undefined) {
      this.text += '$-1\r\n';
      return;
    }
    this.parts.push(Buffer.from(this.text + '$' + buf.length + '\r\n', 'latin1'), buf, CRLF);
    this.text = '';
  }
  flush() {
    if (this.text !== '') this.parts.push(Buffer.from(this.text, 'latin1'));
    if (this.parts.length === 0) return;
    this.stream.write(this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts));
    this.text = '';
    this.parts = [];
  }
}
