// The typed API client (openapi-fetch over the generated schema). Same origin in production; the
// Vite dev server proxies the API (vite.config.ts).
import createClient from "openapi-fetch";
import type { paths } from "./schema";

export const api = createClient<paths>({ baseUrl: "" });

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
    throw new ApiError(r.response.status, detail, body);
  }
  return r.data as T;
}
