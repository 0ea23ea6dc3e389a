import type { ProblemDetails } from './types'

/** A refused or failed request: the problem details' stable code, or `network_error` when the server was not reached. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly detail?: string
  readonly errors?: Record<string, string[]>

  constructor(status: number, code: string, message: string, detail?: string, errors?: Record<string, string[]>) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.detail = detail
    this.errors = errors
  }

  /** One line for a person: the server's own explanation where it gave one. */
  get text(): string {
    if (this.errors) {
      const fields = Object.entries(this.errors).map(([k, v]) => `${k}: ${v.join(', ')}`)
      if (fields.length) return fields.join('; ')
    }
    return this.detail || this.message
  }
}

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e
  return new ApiError(0, 'network_error', 'The server could not be reached.', e instanceof Error ? e.message : String(e))
}

type UnauthenticatedListener = () => void
const unauthenticatedListeners = new Set<UnauthenticatedListener>()

/** Called when any request answers 401: the session has ended (signed out elsewhere, expired, user deactivated). */
export function onUnauthenticated(listener: UnauthenticatedListener): () => void {
  unauthenticatedListeners.add(listener)
  return () => unauthenticatedListeners.delete(listener)
}

let venueOfRequests: string | null = null

/**
 * The web app works at the venue of its URL: every request to the API says so with `?locationId=` (the server holds a
 * staff member to their venues and answers lists, creations and reports for that one). Routes of the whole chain or of
 * the user themselves are left alone.
 */
export function workAt(locationId: string | null) {
  venueOfRequests = locationId
}

export function currentVenueId(): string | null {
  return venueOfRequests
}

const chainWide = ['/api/auth/', '/api/locations', '/api/chain/', '/api/reports/chain', '/api/staff']

export function withVenue(path: string): string {
  if (!venueOfRequests || !path.startsWith('/api/') || chainWide.some((p) => path.startsWith(p)) || /[?&]locationId=/.test(path)) return path
  return `${path}${path.includes('?') ? '&' : '?'}locationId=${encodeURIComponent(venueOfRequests)}`
}

/**
 * The server refuses a POST, PUT, PATCH or DELETE under /api that is not `Content-Type: application/json` (its
 * cross-site request rule, docs/SECURITY.md), so every such request here is JSON, `{}` when it has nothing to say.
 */
async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const unsafe = method !== 'GET' && method !== 'HEAD'
  const payload = body === undefined && unsafe ? {} : body
  let response: Response
  try {
    response = await fetch(withVenue(path), {
      method,
      credentials: 'same-origin',
      headers: payload === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: payload === undefined ? undefined : JSON.stringify(payload),
    })
  } catch (e) {
    throw toApiError(e)
  }
  if (response.status === 204) return undefined as T
  const text = await response.text()
  let json: unknown = undefined
  if (text) {
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
  }
  if (!response.ok) {
    const pd = (json ?? {}) as ProblemDetails
    const code = pd.code ?? (response.status === 404 ? 'not_found' : `http_${response.status}`)
    if (response.status === 401 && path !== '/api/auth/login') unauthenticatedListeners.forEach((l) => l())
    throw new ApiError(response.status, code, pd.title ?? response.statusText ?? 'Request failed', pd.detail, pd.errors)
  }
  return json as T
}

export const http = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  delete: <T>(path: string) => request<T>('DELETE', path),
}

export function query(params: Record<string, string | number | undefined | null>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '')
  if (!entries.length) return ''
  return '?' + entries.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&')
}

/** A fresh idempotency key for one operator action (retries of the same action reuse it). */
export function newIdempotencyKey(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(16).slice(2)}`
}
