// The typed API client (openapi-fetch over the generated schema). Same origin in production; the
// Vite dev server proxies the API (vite.config.ts).
import createClient from "openapi-fetch";
import type { paths } from "./schema";

export const api = createClient<paths>({ baseUrl: "" });

/** Fired on window when the server answers 401 (it runs with a token): components/Login.tsx shows. */
export const UNAUTHORIZED_EVENT = "milimo:unauthorized";

export function notifyUnauthorized(status: number): void {
  if (status === 401 && typeof window !== "undefined") window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
}

export class ApiError extends Error {
  constructor(public status: number, message: string, public body: any) {
    super(message);
  }
}

/** Unwrap an openapi-fetch result: data, or an ApiError carrying the server's `detail`. */
export async function call<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let r: { data?: T; error?: unknown; response: Response };
  try {
    r = await p;
  } catch (e) {
    throw new ApiError(0, "The studio server cannot be reached", null);
  }
  if (r.error !== undefined || !r.response.ok) {
    const body = r.error as any;
    const detail = typeof body?.detail === "string" ? body.detail : `HTTP ${r.response.status}`;
    notifyUnauthorized(r.response.status);
    throw new ApiError(r.response.status, detail, body);
  }
  return r.data as T;
}
