import { request } from 'node:http';

export interface SlowRequest {
  /** Sends the rest of the body. */
  finish(): void;
  /** The answer; rejects when the connection is closed before one comes. */
  response: Promise<{ status: number; connection: string | undefined; body: any }>;
}

/**
 * POSTs JSON on a connection of its own, sending the headers and the first half of the body
 * now and the rest on `finish()`: a request the server has begun and cannot answer yet.
 */
export function slowRequest(url: string, body: unknown): SlowRequest {
  const payload = Buffer.from(JSON.stringify(body));
  const half = Math.floor(payload.length / 2);
  const req = request(url, {
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/json', 'content-length': payload.length },
  });
  const response = new Promise<{ status: number; connection: string | undefined; body: any }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: text ? JSON.parse(text) : undefined }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  req.write(payload.subarray(0, half));
  return { finish: () => req.end(payload.subarray(half)), response };
}
