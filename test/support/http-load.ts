import { Agent, request } from 'node:http';

/** One keep-alive agent per load: at most `connections` sockets, the rest of the requests queue in the client. */
export function loadAgent(connections = 100): Agent {
  return new Agent({ keepAlive: true, maxSockets: connections });
}

/** POSTs JSON over node:http and parses the JSON answer. */
export function postJson(url: string, body: unknown, agent: Agent, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
