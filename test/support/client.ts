export interface Reply<T = unknown> {
  readonly status: number;
  /** Parsed JSON, or the raw text when the body is not JSON (empty bodies are ''). */
  readonly body: T;
  readonly text: string;
  readonly headers: Headers;
}

export interface RequestOptions {
  /** Sent as is (a string) or as JSON; undefined sends no body. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Where the token goes: the `x-api-key` header (default), the `key` query parameter, or nowhere. */
  readonly tokenIn?: 'header' | 'query' | 'none';
  /** Aborts the request (e.g. AbortSignal.timeout) instead of waiting for ever. */
  readonly signal?: AbortSignal;
}

/** A tiny HTTP client that speaks to the service the way AMS clients do (no Content-Type unless asked). */
export class Client {
  constructor(
    readonly baseUrl: string,
    readonly token?: string,
  ) {}

  withToken(token: string | undefined): Client {
    return new Client(this.baseUrl, token);
  }

  async request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<Reply<T>> {
    const tokenIn = options.tokenIn ?? 'header';
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    let url = `${this.baseUrl}${path}`;
    if (this.token !== undefined && tokenIn === 'header') headers['x-api-key'] = this.token;
    if (this.token !== undefined && tokenIn === 'query') {
      url += `${path.includes('?') ? '&' : '?'}key=${encodeURIComponent(this.token)}`;
    }
    const body =
      options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    const response = await fetch(url, { method, headers, body, signal: options.signal });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? '' : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as T, text, headers: response.headers };
  }

  get<T = any>(path: string, options?: RequestOptions): Promise<Reply<T>> {
    return this.request<T>('GET', path, options);
  }

  post<T = any>(path: string, body?: unknown, options?: RequestOptions): Promise<Reply<T>> {
    return this.request<T>('POST', path, { ...options, body });
  }

  put<T = any>(path: string, body?: unknown, options?: RequestOptions): Promise<Reply<T>> {
    return this.request<T>('PUT', path, { ...options, body });
  }

  patch<T = any>(path: string, body?: unknown, options?: RequestOptions): Promise<Reply<T>> {
    return this.request<T>('PATCH', path, { ...options, body });
  }

  delete<T = any>(path: string, options?: RequestOptions): Promise<Reply<T>> {
    return this.request<T>('DELETE', path, options);
  }
}

/** The AMS error envelope, to compare whole bodies. */
export function amsError(code: number, status: string, message: string): { error: { code: number; message: string; status: string } } {
  return { error: { code, message, status } };
}
