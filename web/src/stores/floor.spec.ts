import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { PourDeniedPush } from '../api/types'
import { formatMoney, setVenue, venueDayRange, venueLocalToUtc } from '../format'
import { fakeFetch, tap, visit } from '../testing/fakes'
import { useAuditStore } from './audit'
import { usePosStore } from './pos'
import { useSyncStore } from './sync'
import { denialAdvice, denialShownMs, useTapsStore } from './taps'
import { limitReached, nearLimit, useVisitsStore } from './visits'

const denial = (overrides: Partial<PourDeniedPush> = {}): PourDeniedPush => ({
  tapId: 'tap-1', tapName: 'Tap 1', reason: 'insufficient_balance', message: 'Balance 0.05 is too low; please top up.',
  cardUid: '04A1B2C3', visitId: 'visit-1', guestName: 'Kim Nowak', at: '2026-11-21T20:00:00Z', ...overrides,
})
const pour = (id: string, volumeMl: number) => ({ pourSessionId: id, visitId: 'visit-1', guestName: 'Kim Nowak', volumeMl, maxVolumeMl: 500, startedAt: '2026-11-21T20:00:00Z' })

describe('floor night store logic', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => {
    vi.unstubAllGlobals()
    vi.useRealTimers()
    setVenue(null, null)
  })

  it('shows a denial on its tap for about ten seconds, a newer one replaces it, an older one does not', async () => {
    vi.useFakeTimers()
    fakeFetch({ 'GET /api/taps': [tap()] })
    const taps = useTapsStore()
    await taps.load()
    taps.onPourDenied(denial())
    expect(taps.denials.get('tap-1')?.reason).toBe('insufficient_balance')
    expect(denialAdvice['insufficient_balance']).toContain('top up at the desk')

    taps.onPourDenied(denial({ reason: 'card_in_use', at: '2026-11-21T20:00:05Z' }))
    taps.onPourDenied(denial({ reason: 'card_lost', at: '2026-11-21T19:59:00Z' })) // late: older than the one shown
    expect(taps.denials.get('tap-1')?.reason).toBe('card_in_use')

    vi.advanceTimersByTime(denialShownMs - 100)
    expect(taps.denials.has('tap-1')).toBe(true)
    vi.advanceTimersByTime(200)
    expect(taps.denials.has('tap-1')).toBe(false)
  })

  it('clears the denial when a pour starts on the tap, and lists the pour in the recent feed when it ends', async () => {
    fakeFetch({ 'GET /api/taps': [tap()] })
    const taps = useTapsStore()
    await taps.load()
    taps.onPourDenied(denial())
    taps.onTapUpdated(tap({ activePour: pour('p-1', 0) }))
    expect(taps.denials.has('tap-1')).toBe(false)

    taps.onPourProgress({ pourSessionId: 'p-1', tapId: 'tap-1', visitId: 'visit-1', volumeMl: 320, at: '2026-11-21T20:00:03Z' })
    taps.onTapUpdated(tap({ activePour: null }))
    taps.onTapUpdated(tap({ activePour: null })) // repeated: listed once
    expect(taps.recentPours).toHaveLength(1)
    expect(taps.recentPours[0]).toMatchObject({ pourSessionId: 'p-1', guestName: 'Kim Nowak', volumeMl: 320, tapName: 'Tap 1' })
  })

  it('loads the recent pours on page load, then adds live ones on top without repeating a listed pour', async () => {
    const loaded = { pourSessionId: 'p-0', tapId: 'tap-1', tapName: 'Tap 1', guestName: 'Ann Lee', visitId: 'visit-0', volumeMl: 410, endedAt: '2026-11-21T19:50:00Z' }
    const { calls } = fakeFetch({ 'GET /api/taps': [tap({ activePour: pour('p-1', 0) })], 'GET /api/pours/recent?take=20': [loaded] })
    const taps = useTapsStore()
    await taps.load()
    expect(calls).toContain('GET /api/pours/recent?take=20')
    expect(taps.recentPours.map((p) => p.pourSessionId)).toEqual(['p-0'])

    taps.onTapUpdated(tap({ activePour: null }))
    expect(taps.recentPours.map((p) => p.pourSessionId)).toEqual(['p-1', 'p-0'])
    await taps.load() // a reconnect reloads: the live pour is kept, the loaded one not doubled
    expect(taps.recentPours.map((p) => p.pourSessionId)).toEqual(['p-1', 'p-0'])
  })

  it('reads date filters in the venue time zone, not the browser one (across a DST change too)', async () => {
    setVenue('EUR', 'America/New_York')
    expect(venueDayRange('2026-11-21')).toEqual({ from: '2026-11-21T05:00:00.000Z', to: '2026-11-22T05:00:00.000Z' })
    expect(venueDayRange('2026-03-08')).toEqual({ from: '2026-03-08T05:00:00.000Z', to: '2026-03-09T04:00:00.000Z' }) // 23-hour day
    setVenue('EUR', 'Asia/Tokyo')
    expect(venueLocalToUtc('2026-11-21T08:30')).toBe('2026-11-20T23:30:00.000Z')
    expect(venueLocalToUtc('not a date')).toBeUndefined()

    const { calls } = fakeFetch({})
    const audit = useAuditStore()
    audit.filter.from = '2026-11-21T08:30'
    await audit.load()
    expect(decodeURIComponent(calls[0])).toContain('from=2026-11-20T23:30:00.000Z')
  })

  it('reloads the POS outbox on a PosOutboxChanged push, not on a fast poll', async () => {
    vi.useFakeTimers()
    const { calls } = fakeFetch({ 'GET /api/pos/outbox?limit=500': [] })
    const pos = usePosStore()
    pos.ensureLoaded()
    await vi.advanceTimersByTimeAsync(10)
    const loads = () => calls.filter((c) => c.startsWith('GET /api/pos/outbox')).length
    expect(loads()).toBe(1)
    await vi.advanceTimersByTimeAsync(15_000) // no 5–10 s poll any more
    expect(loads()).toBe(1)
    pos.onPosOutboxChanged()
    pos.onPosOutboxChanged() // a burst: one reload
    await vi.advanceTimersByTimeAsync(1_000)
    expect(loads()).toBe(2)
    pos.stopPolling()
  })

  it('marks a visit near its limit from 80 % and reached at 100 %', () => {
    expect(nearLimit(visit({ pouredVolumeMl: 1500, volumeLimitMl: 2000 }))).toBe(false)
    expect(nearLimit(visit({ pouredVolumeMl: 1600, volumeLimitMl: 2000 }))).toBe(true)
    expect(limitReached(visit({ pouredVolumeMl: 1999, volumeLimitMl: 2000 }))).toBe(false)
    expect(limitReached(visit({ pouredVolumeMl: 2000, volumeLimitMl: 2000 }))).toBe(true)
  })

  it('close-all sends one key and drops the closed visits from the active list at once', async () => {
    const bodies: unknown[] = []
    fakeFetch({
      'GET /api/visits?status=active': [visit({ id: 'a', guestName: 'Ada' }), visit({ id: 'b', guestName: 'Bo' })],
      'POST /api/visits/close-all': (_u: string, init?: RequestInit) => {
        bodies.push(JSON.parse(String(init?.body)))
        return { closedCount: 1, totalRefunded: 20, currency: 'EUR', closed: [{ visitId: 'a', guestName: 'Ada', refund: 20 }], skipped: [{ visitId: 'b', guestName: 'Bo', refund: 5, skipReason: 'visit_pouring', skipMessage: 'Bo is pouring on Tap 2' }], at: '2026-11-21T23:00:00Z' }
      },
    })
    const visits = useVisitsStore()
    await visits.load()
    const first = await visits.closeAll('key-1', 'card')
    const retry = await visits.closeAll('key-1', 'card')
    expect(first.ok && retry.ok).toBe(true)
    expect(bodies).toEqual([{ idempotencyKey: 'key-1', paymentMethod: 'card' }, { idempotencyKey: 'key-1', paymentMethod: 'card' }])
    expect(visits.active.map((v) => v.id)).toEqual(['b'])
  })

  it('the Sync badge counts what the Sync view lists once loaded', async () => {
    fakeFetch({ 'GET /api/sync/pending': { pendingSyncCount: 3, pours: [{ pourSessionId: 'p-1', volumeMl: 10 }, { pourSessionId: 'p-2', volumeMl: 10 }] } })
    const sync = useSyncStore()
    expect(sync.badgeCount).toBe(0)
    await sync.load()
    expect(sync.badgeCount).toBe(2)
  })

  it('counts failed and dead POS deliveries for the nav badge', async () => {
    fakeFetch({
      'GET /api/pos/outbox?limit=500': [
        { id: 1, status: 'pending', attempts: 2, lastError: 'timeout', kind: 'top_up', idempotencyKey: 'k1', createdAt: '2026-11-21T20:00:00Z' },
        { id: 2, status: 'dead', attempts: 9, lastError: 'refused', kind: 'pour', idempotencyKey: 'k2', createdAt: '2026-11-21T20:00:00Z' },
        { id: 3, status: 'sent', attempts: 1, kind: 'refund', idempotencyKey: 'k3', createdAt: '2026-11-21T20:00:00Z' },
      ],
    })
    const pos = usePosStore()
    await pos.load()
    expect(pos.failingCount).toBe(2)
  })

  it('shows every amount with the venue currency once the venue is known', () => {
    expect(formatMoney(12.5)).toBe('12.50')
    setVenue('EUR', 'Europe/Berlin')
    expect(formatMoney(12.5)).toBe('12.50 EUR')
    expect(formatMoney(null)).toBe('—')
  })
})
