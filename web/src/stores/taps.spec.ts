import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { deferred, fakeFetch, problem, tap } from '../testing/fakes'
import { useTapsStore } from './taps'

const pour = (volumeMl: number, id = 'pour-1') => ({ pourSessionId: id, visitId: 'visit-1', guestName: 'Ada', volumeMl, maxVolumeMl: 500, startedAt: '2026-11-21T18:00:00Z' })
const progress = (volumeMl: number, at: string, id = 'pour-1') => ({ pourSessionId: id, tapId: 'tap-1', visitId: 'visit-1', volumeMl, at })

describe('taps store', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => {
    vi.unstubAllGlobals()
    vi.useRealTimers()
  })

  it('loads every tap over REST, sorted by number', async () => {
    fakeFetch({ 'GET /api/taps': [tap({ id: 'b', number: 2, name: 'Two' }), tap({ id: 'a', number: 1, name: 'One' })] })
    const taps = useTapsStore()
    await taps.load()
    expect(taps.status).toBe('ready')
    expect(taps.list.map((t) => t.name)).toEqual(['One', 'Two'])
  })

  it('shows the error state when the load fails, and keeps the last data on a failed reload', async () => {
    let fail = true
    fakeFetch({ 'GET /api/taps': () => (fail ? problem(500, 'server_error', 'boom') : [tap()]) })
    const taps = useTapsStore()
    await taps.load()
    expect(taps.status).toBe('error')
    expect(taps.error?.code).toBe('server_error')
    fail = false
    await taps.load()
    expect(taps.list).toHaveLength(1)
    fail = true
    await taps.load()
    expect(taps.status).toBe('error')
    expect(taps.list).toHaveLength(1)
  })

  it('applies TapUpdated, and a duplicate push changes nothing', async () => {
    fakeFetch({ 'GET /api/taps': [tap()] })
    const taps = useTapsStore()
    await taps.load()
    taps.onTapUpdated(tap({ status: 'locked' }))
    taps.onTapUpdated(tap({ status: 'locked' }))
    expect(taps.list).toHaveLength(1)
    expect(taps.list[0]!.status).toBe('locked')
  })

  it('raises the live volume with PourProgress and ignores late or repeated progress', async () => {
    fakeFetch({ 'GET /api/taps': [tap({ activePour: pour(0) })] })
    const taps = useTapsStore()
    await taps.load()
    taps.onPourProgress(progress(120, '2026-11-21T18:00:01Z'))
    taps.onPourProgress(progress(250, '2026-11-21T18:00:02Z'))
    taps.onPourProgress(progress(180, '2026-11-21T18:00:01.5Z')) // arrived late
    taps.onPourProgress(progress(250, '2026-11-21T18:00:02Z')) // duplicate
    expect(taps.list[0]!.activePour!.volumeMl).toBe(250)
  })

  it('keeps the higher live volume when a TapUpdated carries an older volume of the same pour', async () => {
    fakeFetch({ 'GET /api/taps': [tap({ activePour: pour(0) })] })
    const taps = useTapsStore()
    await taps.load()
    taps.onPourProgress(progress(300, '2026-11-21T18:00:03Z'))
    taps.onTapUpdated(tap({ activePour: pour(100) }))
    expect(taps.list[0]!.activePour!.volumeMl).toBe(300)
  })

  it('does not bring back a finished pour from a late TapUpdated or PourProgress', async () => {
    fakeFetch({ 'GET /api/taps': [tap({ activePour: pour(200) })] })
    const taps = useTapsStore()
    await taps.load()
    taps.onTapUpdated(tap({ activePour: null, kegRemainingMl: 14800 }))
    taps.onTapUpdated(tap({ activePour: pour(150) })) // older state, delivered late
    taps.onPourProgress(progress(210, '2026-11-21T18:00:05Z'))
    expect(taps.list[0]!.activePour).toBeNull()
    expect(taps.list[0]!.kegRemainingMl).toBe(14800)
  })

  it('shows a pour it had not heard of from its progress alone, then reloads', async () => {
    vi.useFakeTimers()
    const { calls } = fakeFetch({ 'GET /api/taps': [tap()] })
    const taps = useTapsStore()
    await taps.load()
    taps.onPourProgress(progress(90, '2026-11-21T18:00:01Z', 'pour-9'))
    expect(taps.list[0]!.activePour?.pourSessionId).toBe('pour-9')
    expect(taps.list[0]!.activePour?.volumeMl).toBe(90)
    await vi.advanceTimersByTimeAsync(500)
    expect(calls.filter((c) => c === 'GET /api/taps')).toHaveLength(2)
  })

  it('holds pushes that arrive during a load and applies them after the older snapshot', async () => {
    const answer = deferred<unknown>()
    fakeFetch({ 'GET /api/taps': () => answer.promise })
    const taps = useTapsStore()
    const loading = taps.load()
    taps.onTapUpdated(tap({ status: 'cleaning' })) // committed after the snapshot was read
    answer.resolve([tap({ status: 'active' })])
    await loading
    expect(taps.list[0]!.status).toBe('cleaning')
  })

  it('applies the newest of two overlapping loads only', async () => {
    const first = deferred<unknown>()
    const second = deferred<unknown>()
    const answers = [first, second]
    fakeFetch({ 'GET /api/taps': () => answers.shift()!.promise })
    const taps = useTapsStore()
    const a = taps.load()
    const b = taps.load()
    second.resolve([tap({ status: 'locked' })])
    await b
    first.resolve([tap({ status: 'active' })])
    await a
    expect(taps.list[0]!.status).toBe('locked')
  })

  it('updates the keg level and controller state from KegUpdated and ControllerStatusChanged', async () => {
    fakeFetch({ 'GET /api/taps': [tap()] })
    const taps = useTapsStore()
    await taps.load()
    taps.onKegUpdated({ id: 'keg-1', beerTypeId: 'b', beerName: 'Pilsner', status: 'connected', nominalVolumeMl: 30000, remainingVolumeMl: 1200, createdAt: '2026-11-21T10:00:00Z', locationId: 'loc-mitte' })
    taps.onControllerStatusChanged({ id: 'ctl-1', name: 'pi-1', online: false, tapIds: ['tap-1'], locationId: 'loc-mitte' })
    expect(taps.list[0]!.kegRemainingMl).toBe(1200)
    expect(taps.list[0]!.controllerOnline).toBe(false)
  })
})
