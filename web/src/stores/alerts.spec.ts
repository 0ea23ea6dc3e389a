import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { alert, deferred, fakeFetch, tap } from '../testing/fakes'
import { liveAlertText, tapAlertNotes, useAlertsStore } from './alerts'

describe('live alert text', () => {
  it('writes keg and controller alerts from their subject now, and keeps a resolved alert or an unknown subject as raised', () => {
    const kegAlert = alert({ type: 'keg_low', subjectType: 'keg', subjectId: 'keg-1', message: 'Keg of Pils on tap 1 (Old name) is at 4000 ml (13.3 %).' })
    const renamed = [tap({ name: 'Garden tap', beerName: 'Helles', kegRemainingMl: 1500, kegNominalMl: 30000 })]
    expect(liveAlertText(kegAlert, renamed, new Map())).toBe('Keg of Helles on tap 1 (Garden tap) is at 1500 ml (5 %).')
    expect(liveAlertText({ ...kegAlert, status: 'resolved' }, renamed, new Map())).toBe(kegAlert.message)
    expect(liveAlertText(kegAlert, [], new Map())).toBe(kegAlert.message)

    const ctlAlert = alert({ type: 'controller_offline', subjectType: 'controller', subjectId: 'ctl-1', message: 'Controller pi-old has not been seen since 2026-11-21 18:00:00Z.' })
    const online = new Map([['ctl-1', { id: 'ctl-1', name: 'pi-bar', online: true, tapIds: [], locationId: 'loc-mitte' }]])
    expect(liveAlertText(ctlAlert, [], online)).toBe('Controller pi-bar is online again (it was offline).')
    const offline = new Map([['ctl-1', { id: 'ctl-1', name: 'pi-bar', online: false, lastSeenAt: '2026-11-21T18:00:00Z', tapIds: [], locationId: 'loc-mitte' }]])
    expect(liveAlertText(ctlAlert, [], offline)).toMatch(/^Controller pi-bar has not been seen since /)
    const other = alert()
    expect(liveAlertText(other, renamed, online)).toBe(other.message)
  })
})

describe('tap alert notes', () => {
  it('puts every alert about a tap, its keg or its controller on its card in words, only while it holds', () => {
    const t = tap({ id: 'tap-1', status: 'processing_sync', kegId: 'keg-1', controllerId: 'ctl-1', controllerOnline: false, beerName: 'Helles', kegRemainingMl: 1500, kegNominalMl: 30000 })
    const list = [
      alert({ id: 'a1', type: 'lock_timeout', subjectType: 'tap', subjectId: 'tap-1', severity: 'warning' }),
      alert({ id: 'a2', type: 'keg_low', subjectType: 'keg', subjectId: 'keg-1' }),
      alert({ id: 'a3', type: 'controller_offline', subjectType: 'controller', subjectId: 'ctl-1' }),
      alert({ id: 'a4', type: 'flow_without_pour', subjectType: 'tap', subjectId: 'tap-1', severity: 'critical', message: 'Tap 1: flow with the valve closed.' }),
      alert({ id: 'a5', type: 'lock_timeout', subjectType: 'tap', subjectId: 'tap-2' }),
      alert({ id: 'a6', type: 'over_pour', subjectType: 'tap', subjectId: 'tap-1', status: 'resolved' }),
    ]
    const notes = tapAlertNotes(t, list)
    expect(notes.map((n) => n.title)).toEqual(['Pour stalled', 'Keg low', 'Controller offline', 'Beer flowing without a pour'])
    expect(notes[0]!.text).toMatch(/sent no progress since .+; the tap waits for its sync/)
    expect(notes[0]!.advice).toContain('reconciles')
    expect(notes[1]!.text).toBe('Helles keg has 1500 ml left (5 %).')
    expect(notes[3]!.text).toBe('Tap 1: flow with the valve closed.')

    // Conditions gone: the pour settled, the controller is back, another keg is on: nothing stale stays on the card.
    const later = { ...t, status: 'active' as const, controllerOnline: true, kegId: 'keg-2' }
    expect(tapAlertNotes(later, list).map((n) => n.type)).toEqual(['flow_without_pour'])
    expect(tapAlertNotes(later, list.map((a) => ({ ...a, status: 'resolved' as const })))).toEqual([])
  })
})

describe('alerts store', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => vi.unstubAllGlobals())

  it('adds a raised alert once however often the push repeats', async () => {
    fakeFetch({ 'GET /api/alerts': [] })
    const alerts = useAlertsStore()
    await alerts.load()
    alerts.onAlertRaised(alert())
    alerts.onAlertRaised(alert())
    expect(alerts.all).toHaveLength(1)
    expect(alerts.criticalOpen).toHaveLength(1)
  })

  it('never moves an alert back: a late "open" push after "acknowledged" is ignored', async () => {
    fakeFetch({ 'GET /api/alerts': [] })
    const alerts = useAlertsStore()
    await alerts.load()
    alerts.onAlertUpdated(alert({ status: 'acknowledged', acknowledgedBy: 'Tess', acknowledgeComment: 'on it' }))
    alerts.onAlertRaised(alert({ status: 'open' }))
    expect(alerts.all[0]!.status).toBe('acknowledged')
    expect(alerts.criticalOpen).toHaveLength(0)
  })

  it('counts repeats forward only', async () => {
    fakeFetch({ 'GET /api/alerts': [alert({ occurrenceCount: 3, lastRaisedAt: '2026-11-21T18:03:00Z' })] })
    const alerts = useAlertsStore()
    await alerts.load()
    alerts.onAlertUpdated(alert({ occurrenceCount: 2, lastRaisedAt: '2026-11-21T18:02:00Z' }))
    expect(alerts.all[0]!.occurrenceCount).toBe(3)
    alerts.onAlertUpdated(alert({ occurrenceCount: 4, lastRaisedAt: '2026-11-21T18:04:00Z' }))
    expect(alerts.all[0]!.occurrenceCount).toBe(4)
  })

  it('sorts unresolved alerts by severity, critical first', async () => {
    fakeFetch({
      'GET /api/alerts': [
        alert({ id: 'w', severity: 'warning', lastRaisedAt: '2026-11-21T18:05:00Z' }),
        alert({ id: 'c', severity: 'critical' }),
        alert({ id: 'r', severity: 'critical', status: 'resolved' }),
      ],
    })
    const alerts = useAlertsStore()
    await alerts.load()
    expect(alerts.unresolved.map((a) => a.id)).toEqual(['c', 'w'])
    expect(alerts.resolved.map((a) => a.id)).toEqual(['r'])
  })

  it('a raise that arrives while the list loads is not lost to the older snapshot', async () => {
    const answer = deferred<unknown>()
    fakeFetch({ 'GET /api/alerts': () => answer.promise })
    const alerts = useAlertsStore()
    const loading = alerts.load()
    alerts.onAlertRaised(alert({ id: 'new' }))
    answer.resolve([])
    await loading
    expect(alerts.all.map((a) => a.id)).toEqual(['new'])
  })

  it('acknowledges with a comment and shows the answer at once', async () => {
    const { fn } = fakeFetch({
      'GET /api/alerts': [alert()],
      'POST /api/alerts/alert-1/acknowledge': alert({ status: 'acknowledged', acknowledgeComment: 'checked the card' }),
    })
    const alerts = useAlertsStore()
    await alerts.load()
    expect(await alerts.acknowledge('alert-1', 'checked the card')).toBeNull()
    expect(alerts.all[0]!.status).toBe('acknowledged')
    const body = JSON.parse(String(fn.mock.calls.find((c) => c[0] === '/api/alerts/alert-1/acknowledge')![1]!.body))
    expect(body).toEqual({ comment: 'checked the card' })
  })
})
