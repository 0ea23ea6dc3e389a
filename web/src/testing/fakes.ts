import { vi } from 'vitest'
import type { DashboardConnection } from '../api/hub'
import type { AlertDto, CurrentUserDto, DashboardPushes, StaffRole, TapDto, VisitSummaryDto } from '../api/types'

type Handler = (url: string, init?: RequestInit) => unknown | Promise<unknown>

/** A fetch stand-in: routes by "METHOD /path" (query included); answers JSON, or a problem when a handler throws a status. */
export function fakeFetch(routes: Record<string, Handler | unknown>) {
  const calls: string[] = []
  const fn = vi.fn(async (url: string, init?: RequestInit) => {
    const key = `${init?.method ?? 'GET'} ${url}`
    calls.push(key)
    const route = key in routes ? routes[key] : undefined
    if (route === undefined) return problem(404, 'not_found')
    const value = typeof route === 'function' ? await (route as Handler)(url, init) : route
    if (value instanceof Response) return value
    return new Response(JSON.stringify(value), { status: 200, headers: { 'Content-Type': 'application/json' } })
  })
  vi.stubGlobal('fetch', fn)
  return { fn, calls }
}

export function problem(status: number, code: string, detail = ''): Response {
  return new Response(JSON.stringify({ status, code, title: code, detail }), { status, headers: { 'Content-Type': 'application/problem+json' } })
}

/** A promise you resolve by hand: lets a test push while a REST load is still in flight. */
export function deferred<T>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

export class FakeConnection implements DashboardConnection {
  handlers = new Map<string, (payload: unknown) => void>()
  reconnecting: ((e?: Error) => void)[] = []
  reconnected: ((id?: string) => void)[] = []
  closed: ((e?: Error) => void)[] = []
  startResults: (() => Promise<void>)[] = []
  starts = 0
  stopped = false

  on<K extends keyof DashboardPushes>(name: K, handler: (payload: DashboardPushes[K]) => void) {
    this.handlers.set(name, handler as (payload: unknown) => void)
  }
  start() {
    this.starts++
    const next = this.startResults.shift()
    return next ? next() : Promise.resolve()
  }
  stop() {
    this.stopped = true
    return Promise.resolve()
  }
  onreconnecting(cb: (e?: Error) => void) { this.reconnecting.push(cb) }
  onreconnected(cb: (id?: string) => void) { this.reconnected.push(cb) }
  onclose(cb: (e?: Error) => void) { this.closed.push(cb) }

  push<K extends keyof DashboardPushes>(name: K, payload: DashboardPushes[K]) {
    const handler = this.handlers.get(name)
    if (!handler) throw new Error(`No handler for ${name}`)
    handler(payload)
  }
  dropAndReconnect() {
    this.reconnecting.forEach((cb) => cb(new Error('network')))
    this.reconnected.forEach((cb) => cb('new-id'))
  }
}

export function tap(overrides: Partial<TapDto> = {}): TapDto {
  return {
    id: 'tap-1', number: 1, name: 'Tap 1', status: 'active', kegId: 'keg-1', controllerId: 'ctl-1', controllerOnline: true,
    beerName: 'Pilsner', kegRemainingMl: 15000, kegNominalMl: 30000, activePour: null, locationId: 'loc-mitte', ...overrides,
  }
}

export function visit(overrides: Partial<VisitSummaryDto> = {}): VisitSummaryDto {
  return {
    id: 'visit-1', guestId: 'guest-1', guestName: 'Ada', cardUid: '04A1B2C3', status: 'active', isMinor: false, balance: 20,
    pouredVolumeMl: 0, volumeLimitMl: 2000, activeTapId: null, lockSetAt: null, openedAt: '2026-11-21T18:00:00Z', locationId: 'loc-mitte', ...overrides,
  }
}

export function alert(overrides: Partial<AlertDto> = {}): AlertDto {
  return {
    id: 'alert-1', type: 'lost_card_attempt', severity: 'critical', status: 'open', subjectType: 'card', subjectId: null,
    message: 'Lost card 04AA presented at Tap 1', raisedAt: '2026-11-21T18:00:00Z', lastRaisedAt: '2026-11-21T18:00:00Z',
    occurrenceCount: 1, locationId: 'loc-mitte', ...overrides,
  }
}

/** The default venue, as GET /api/auth/me lists it. */
export const mitte = { id: 'loc-mitte', slug: 'mitte', name: 'Taproom Mitte' }
export const hafen = { id: 'loc-hafen', slug: 'hafen', name: 'Taproom Hafen' }

/** A signed-in user as GET /api/auth/me answers (one venue unless told). */
export function me(role: StaffRole, overrides: Partial<CurrentUserDto> = {}): CurrentUserDto {
  return { id: `u-${role}`, login: role, name: role[0]!.toUpperCase() + role.slice(1), role, locations: [mitte], ...overrides }
}

export const flush = () => new Promise((r) => setTimeout(r, 0))
