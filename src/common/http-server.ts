import { Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { Duplex } from 'node:stream';
import { ErrorBody } from './all-exceptions.filter';

/** Headers must arrive within this, and a whole request within REQUEST_TIMEOUT_MS: slow clients are closed. */
const HEADERS_TIMEOUT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 120_000;

/**
 * How long a refused connection goes on reading (and dropping) what its client still sends before it
 * is closed. Closed at once with a request body still arriving, the connection is reset, and a reset
 * can reach the client before it has read the answer: it then sees ECONNRESET instead of the 431.
 */
const LINGER_MS = 2_000;

const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request headers are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'The request took too long to arrive'],
};

/**
 * Requests that fail before routing (headers too large, a malformed request line, too slow) are
 * answered by Node itself with a bare status; this answers them in the API's error shape instead.
 */
export function guardHttpServer(server: Server): void {
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  const answered = new WeakSet<Duplex>();
  server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex) => {
    // The rest of a request already answered: Node's parser reports each further piece as an error.
    if (answered.has(socket) && error.code !== 'ECONNRESET') return;
    if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const [status, message] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Malformed HTTP request'];
    const body: ErrorBody = { error: message, status_code: status, path: '', timestamp: new Date().toISOString() };
    const text = JSON.stringify(body);
    // An answer to HEAD has no body: a client reads whatever follows the headers as the next answer.
    const head = error.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
    answered.add(socket);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${head ? '' : text}`,
    );
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  });
}
