/** A failure the server answered with, in the native error shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export interface ApiClientOptions {
  url: string;
  token?: string;
}

/** Calls the native API; resolves with the JSON body, rejects with ApiError or a connection error that names the URL. */
export async function apiRequest<T = unknown>(options: ApiClientOptions, method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(new URL(path, options.url), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot reach tessera at ${options.url} (${cause?.code ?? cause?.message ?? String(error)}); is it running? Set TESSERA_URL or --url`, {
      cause: error,
    });
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    // Not tessera's answer (a proxy's error page, another service on that port): say so, with its start.
    const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 120);
    throw new ApiError(res.status, `HTTP_${res.status}`, `${options.url} answered ${res.status} with something other than JSON: ${snippet}`);
  }
  if (!res.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(res.status, error?.code ?? `HTTP_${res.status}`, error?.message ?? res.statusText);
  }
  return parsed as T;
}
