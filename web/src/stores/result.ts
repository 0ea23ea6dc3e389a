import { ApiError, toApiError } from '../api/http'

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError }

/** Runs one request and turns a refusal into a value the view can show. */
export async function attempt<T>(fn: () => Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await fn() }
  } catch (e) {
    return { ok: false, error: toApiError(e) }
  }
}

/** The plain explanation for a refusal, else the server's own text. */
export function explain(error: ApiError, words: Record<string, string>): string {
  return words[error.code] ?? error.text
}
