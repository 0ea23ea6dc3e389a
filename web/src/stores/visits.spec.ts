import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { deferred, fakeFetch, problem, visit } from '../testing/fakes'
import { useVisitsStore } from './visits'

describe('visits store', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => vi.unstubAllGlobals())

  it('loads the active visits and applies balance changes', async () => {
    fakeFetch({ 'GET /api/visits?status=active': [visit()] })
    const visits = useVisitsStore()
    await visits.load()
    visits.onVisitUpdated(visit({ balance: 17.5, pouredVolumeMl: 500 }))
    visits.onVisitUpdated(visit({ balance: 17.5, pouredVolumeMl: 500 }))
    expect(visits.active).toHaveLength(1)
    expect(visits.active[0]!.balance).toBe(17.5)
  })

  it('ignores a late push with less poured volume than shown', async () => {
    fakeFetch({ 'GET /api/visits?status=active': [visit()] })
    const visits = useVisitsStore()
    await visits.load()
    visits.onVisitUpdated(visit({ balance: 15, pouredVolumeMl: 1000 }))
    visits.onVisitUpdated(visit({ balance: 17.5, pouredVolumeMl: 500, activeTapId: 'tap-1' }))
    expect(visits.active[0]!.balance).toBe(15)
    expect(visits.active[0]!.activeTapId).toBeNull()
  })

  it('a closed visit stays closed: late pushes and older snapshots do not reopen it', async () => {
    const answer = deferred<unknown>()
    let first = true
    fakeFetch({ 'GET /api/visits?status=active': () => (first ? ((first = false), [visit()]) : answer.promise) })
    const visits = useVisitsStore()
    await visits.load()
    visits.onVisitUpdated(visit({ status: 'closed', balance: 0 }))
    visits.onVisitUpdated(visit({ status: 'active' }))
    expect(visits.active).toHaveLength(0)
    const reload = visits.load()
    answer.resolve([visit()]) // read before the close committed
    await reload
    expect(visits.active).toHaveLength(0)
  })

  it('reports a refused action with its code and re-reads the visit after a successful one', async () => {
    fakeFetch({
      'GET /api/visits?status=active': [visit()],
      'POST /api/visits/visit-1/force-unlock': problem(403, 'forbidden', 'Not allowed for your role.'),
      'POST /api/visits/visit-1/top-up': (_url: string, init?: RequestInit) => {
        expect(JSON.parse(String(init?.body))).toEqual({ amount: 10, paymentMethod: 'card', comment: 'at the bar' })
        return { visitId: 'visit-1', ledgerEntryId: 'l-2', kind: 'top_up', amount: 10, balance: 30 }
      },
      'GET /api/visits/visit-1': { visit: visit({ balance: 30 }), ledger: [], pours: [] },
    })
    const visits = useVisitsStore()
    await visits.load()
    const refused = await visits.forceUnlock('visit-1', 'stuck')
    expect(refused.ok).toBe(false)
    if (!refused.ok) expect(refused.error.code).toBe('forbidden')
    expect((await visits.topUp('visit-1', 10, 'card', 'at the bar')).ok).toBe(true)
    expect(visits.active[0]!.balance).toBe(30)
  })
})
