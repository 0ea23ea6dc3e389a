import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { alert, deferred, fakeFetch, FakeConnection, flush, problem, tap } from '../testing/fakes'
import { useAlertsStore } from './alerts'
import { useDeskStore } from './desk'
import { useLiveStore } from './live'
import { useSessionStore } from './session'
import { useSyncStore } from './sync'
import { useTapsStore } from './taps'

const restRoutes = (taps: () => unknown) => ({
  'GET /api/taps': taps,
  'GET /api/visits?status=active': [],
  'GET /api/alerts': [],
  'GET /api/sync/pending': { pendingSyncCount: 0, pours: [] },
  'GET /api/controllers': [],
})

describe('live store (dashboard hub)', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => {
    vi.unstubAllGlobals()
    vi.useRealTimers()
  })

  it('reloads every slice over REST once connected, then applies pushes', async () => {
    const { calls } = fakeFetch(restRoutes(() => [tap()]))
    const conn = new FakeConnection()
    const live = useLiveStore()
    await live.start(() => conn)
    await flush()
    expect(live.state).toBe('connected')
    expect(calls).toEqual(expect.arrayContaining(['GET /api/taps', 'GET /api/visits?status=active', 'GET /api/alerts', 'GET /api/sync/pending', 'GET /api/controllers']))
    conn.push('TapUpdated', tap({ status: 'cleaning' }))
    conn.push('AlertRaised', alert())
    conn.push('SyncQueueChanged', { pendingSyncCount: 0 })
    conn.push('CardRead', { readerId: 'desk', cardUid: '04AA', at: '2026-11-21T18:00:00Z' })
    expect(useTapsStore().list[0]!.status).toBe('cleaning')
    expect(useAlertsStore().criticalOpen).toHaveLength(1)
    expect(useSyncStore().pendingSyncCount).toBe(0)
    expect(useDeskStore().lastRead?.cardUid).toBe('04AA')
  })

  it('applies coalesced batches item by item, late and repeated items too', async () => {
    const pour = (volumeMl: number) => ({ pourSessionId: 'pour-1', visitId: 'visit-1', guestName: 'Ada', volumeMl, maxVolumeMl: 500, startedAt: '2026-11-21T18:00:00Z' })
    const progress = (volumeMl: number, at: string) => ({ pourSessionId: 'pour-1', tapId: 'tap-1', visitId: 'visit-1', volumeMl, at })
    fakeFetch(restRoutes(() => [tap({ activePour: pour(0) }), tap({ id: 'tap-2', number: 2, name: 'Tap 2' })]))
    const conn = new FakeConnection()
    const live = useLiveStore()
    await live.start(() => conn)
    await flush()

    conn.push('TapUpdatedBatch', { items: [tap({ activePour: pour(40), status: 'active' }), tap({ id: 'tap-2', number: 2, name: 'Tap 2', status: 'cleaning' })] })
    conn.push('PourProgressBatch', { items: [progress(250, '2026-11-21T18:00:02Z')] })
    // A late batch (older volume) and a repeated one change nothing; an empty one is harmless.
    conn.push('PourProgressBatch', { items: [progress(120, '2026-11-21T18:00:01Z')] })
    conn.push('PourProgressBatch', { items: [progress(250, '2026-11-21T18:00:02Z'), progress(250, '2026-11-21T18:00:02Z')] })
    conn.push('TapUpdatedBatch', { items: [] })
    conn.push('AlertRaisedBatch', { items: [alert(), alert({ id: 'alert-2', severity: 'warning', type: 'keg_low' })] })
    conn.push('AlertRaisedBatch', { items: [alert()] })

    const taps = useTapsStore()
    expect(taps.list.map((t) => [t.id, t.status])).toEqual([['tap-1', 'active'], ['tap-2', 'cleaning']])
    expect(taps.list[0]!.activePour!.volumeMl).toBe(250)
    expect(useAlertsStore().criticalOpen).toHaveLength(1)
  })

  it('on reconnect shows the banner state, reloads, and applies pushes that came during the reload after it', async () => {
    let answer = deferred<unknown>()
    const { calls } = fakeFetch(restRoutes(() => answer.promise))
    const conn = new FakeConnection()
    const live = useLiveStore()
    await live.start(() => conn)
    answer.resolve([tap({ status: 'active' })])
    await flush()
    expect(calls.filter((c) => c === 'GET /api/taps')).toHaveLength(1)

    answer = deferred<unknown>()
    conn.reconnecting.forEach((cb) => cb(new Error('network')))
    expect(live.state).toBe('reconnecting')
    conn.reconnected.forEach((cb) => cb('again'))
    expect(live.state).toBe('connected')
    conn.push('TapUpdated', tap({ status: 'locked' }))
    answer.resolve([tap({ status: 'active' })])
    await flush()
    expect(calls.filter((c) => c === 'GET /api/taps')).toHaveLength(2)
    expect(useTapsStore().list[0]!.status).toBe('locked')
  })

  it('keeps retrying the first connection until the server answers', async () => {
    vi.useFakeTimers()
    fakeFetch(restRoutes(() => [tap()]))
    const conn = new FakeConnection()
    conn.startResults.push(() => Promise.reject(new Error('offline')), () => Promise.reject(new Error('offline')))
    const live = useLiveStore()
    await live.start(() => conn)
    expect(live.state).toBe('offline')
    await vi.advanceTimersByTimeAsync(1000)
    expect(conn.starts).toBe(2)
    await vi.advanceTimersByTimeAsync(2000)
    expect(conn.starts).toBe(3)
    expect(live.state).toBe('connected')
  })

  it('ends the session when the WebSocket upgrade fails without a status and GET /api/auth/me answers 401', async () => {
    fakeFetch({ ...restRoutes(() => [tap()]), 'GET /api/auth/me': () => problem(401, 'unauthenticated') })
    const session = useSessionStore()
    session.$patch({ status: 'signed_in', user: { id: 'u', login: 'tess', name: 'Tess', role: 'staff' } })
    const conn = new FakeConnection()
    conn.startResults.push(() => Promise.reject(new Error('WebSocket failed to connect.')))
    const live = useLiveStore()
    await live.start(() => conn)
    expect(session.status).toBe('signed_out')
    expect(conn.stopped).toBe(true)
    expect(live.state).toBe('offline')
  })

  it('ends the session and stops when the hub refuses the sign-in', async () => {
    fakeFetch(restRoutes(() => [tap()]))
    const session = useSessionStore()
    session.$patch({ status: 'signed_in', user: { id: 'u', login: 'tess', name: 'Tess', role: 'staff' } })
    const conn = new FakeConnection()
    conn.startResults.push(() => Promise.reject(Object.assign(new Error("Unauthorized: Status code '401'"), { statusCode: 401 })))
    const live = useLiveStore()
    await live.start(() => conn)
    expect(session.status).toBe('signed_out')
    expect(conn.stopped).toBe(true)
    expect(live.state).toBe('offline')
  })
})
