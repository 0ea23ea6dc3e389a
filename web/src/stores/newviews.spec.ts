import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { KegDto, PosOutboxEntryDto, ShiftCloseCheckDto, ShiftDto, ShiftReportDto } from '../api/types'
import { alert, deferred, fakeFetch, problem, tap } from '../testing/fakes'
import KegsView from '../views/KegsView.vue'
import ShiftView from '../views/ShiftView.vue'
import { alertPermissions } from './alerts'
import { describeIssueResult, issueCardConflicts } from './desk'
import { compareFifo, useKegsStore } from './kegs'
import { useLostCardsStore } from './lostCards'
import { queueOf, usePosStore } from './pos'
import { useSessionStore } from './session'
import { useShiftStore } from './shift'
import { useTapsStore } from './taps'

const keg = (o: Partial<KegDto> = {}): KegDto => ({
  id: 'keg-1', beerTypeId: 'beer-1', beerName: 'Pilsner', status: 'warehouse', nominalVolumeMl: 30000, remainingVolumeMl: 30000,
  receivedAt: '2026-11-10T09:00:00Z', connectedAt: null, disconnectedAt: null, tapId: null, createdAt: '2026-11-10T09:00:00Z', locationId: 'loc-mitte', ...o,
})
const shiftDto = (o: Partial<ShiftDto> = {}): ShiftDto => ({
  id: 'shift-1', status: 'open', openedAt: '2026-11-21T17:00:00Z', openedBy: 'Mia', closedAt: null, closedBy: null,
  members: [{ staffUserId: 'u-mia', name: 'Mia', role: 'manager', joinedAt: '2026-11-21T17:00:00Z', leftAt: null }], locationId: 'loc-mitte', ...o,
})
const report = (o: Partial<ShiftReportDto> = {}): ShiftReportDto => ({
  shiftId: 'shift-1', venueName: 'TapRoom', currency: 'EUR', timeZone: 'UTC', final: false, openedAt: '2026-11-21T17:00:00Z', openedBy: 'Mia',
  closedAt: null, closedBy: null, periodEnd: '2026-11-21T23:00:00Z', generatedAt: '2026-11-21T23:00:00Z', members: [],
  visits: { opened: 3, closed: 3, activeAtEnd: 0 }, pours: { count: 5, volumeMl: 1680, revenue: 13.25, byTap: [], byBeer: [] },
  money: {
    topUps: 75, topUpCount: 3, refunds: 61.75, refundCount: 3, net: 13.25, revenue: 13.25, adjustments: 0,
    cash: { topUps: 75, topUpCount: 3, refunds: 61.75, refundCount: 3 }, card: { topUps: 0, topUpCount: 0, refunds: 0, refundCount: 0 },
    cashExpectedInDrawer: 13.25, handledBy: [], outsideShift: { topUps: 0, refunds: 0, cashNet: 0, count: 0 },
  },
  exceptions: { manualReconciles: 0, forceUnlocks: 0, lateSyncMismatches: 0, forceUnlockEvents: [], mismatches: [], reconciles: [] },
  kegs: { connected: 1, emptied: 0, changes: [] },
  alerts: { raised: { info: 0, warning: 1, critical: 1 }, stillOpenBySeverity: { info: 0, warning: 0, critical: 0 }, stillOpen: [] },
  equipmentConfirmed: [], comment: null, ...o,
})
const posEntry = (o: Partial<PosOutboxEntryDto> = {}): PosOutboxEntryDto => ({
  id: 1, idempotencyKey: 'k', kind: 'pour', status: 'pending', attempts: 0, createdAt: '2026-11-21T18:00:00Z', payload: { amount: 3.25 }, ...o,
})

function signIn(role: 'staff' | 'manager') {
  const session = useSessionStore()
  session.user = { id: role === 'manager' ? 'u-mia' : 'u-sam', login: role, name: role === 'manager' ? 'Mia' : 'Sam', role, locations: [] }
  session.status = 'signed_in'
}

beforeEach(() => setActivePinia(createPinia()))
afterEach(() => vi.unstubAllGlobals())

describe('kegs store', () => {
  it('orders by FIFO: received first, then created, then id', () => {
    const a = keg({ id: 'b', receivedAt: '2026-11-01T00:00:00Z' })
    const b = keg({ id: 'a', receivedAt: null, createdAt: '2026-11-02T00:00:00Z' })
    const c = keg({ id: 'c', receivedAt: '2026-11-01T00:00:00Z' })
    expect([b, c, a].sort(compareFifo).map((k) => k.id)).toEqual(['b', 'c', 'a'])
  })

  it('ignores a late or repeated KegUpdated: the level never rises and the status never goes back', async () => {
    fakeFetch({ 'GET /api/kegs': [keg({ status: 'connected', remainingVolumeMl: 20000, tapId: 'tap-1' })], 'GET /api/beer-types': [] })
    const kegs = useKegsStore()
    await kegs.load()
    kegs.onKegUpdated(keg({ status: 'connected', remainingVolumeMl: 19000, tapId: 'tap-1' }))
    kegs.onKegUpdated(keg({ status: 'connected', remainingVolumeMl: 19500, tapId: 'tap-1' }))
    kegs.onKegUpdated(keg({ status: 'connected', remainingVolumeMl: 19000, tapId: 'tap-1' }))
    expect(kegs.byId.get('keg-1')!.remainingVolumeMl).toBe(19000)
    kegs.onKegUpdated(keg({ status: 'empty', remainingVolumeMl: 0 }))
    kegs.onKegUpdated(keg({ status: 'connected', remainingVolumeMl: 18000, tapId: 'tap-1' }))
    expect(kegs.byId.get('keg-1')!.status).toBe('empty')
    kegs.onKegUpdated(keg({ status: 'returned', remainingVolumeMl: 0 }))
    expect(kegs.byId.has('keg-1')).toBe(false)
  })

  it('holds a push that arrives during the load and applies it after the snapshot', async () => {
    const d = deferred<KegDto[]>()
    fakeFetch({ 'GET /api/kegs': () => d.promise, 'GET /api/beer-types': [] })
    const kegs = useKegsStore()
    const loading = kegs.load()
    kegs.onKegUpdated(keg({ status: 'connected', remainingVolumeMl: 100, tapId: 'tap-1' }))
    d.resolve([keg()])
    await loading
    expect(kegs.byId.get('keg-1')!.status).toBe('connected')
    expect(kegs.warehouse).toHaveLength(0)
  })

  it('groups the warehouse by beer and connects a keg, updating the tap', async () => {
    const connected = keg({ id: 'k1', status: 'connected', tapId: 'tap-1' })
    const f = fakeFetch({
      'GET /api/kegs': [keg({ id: 'k2', beerName: 'Stout', beerTypeId: 'b2' }), keg({ id: 'k1' }), keg({ id: 'k3', receivedAt: '2026-11-12T00:00:00Z' })],
      'GET /api/beer-types': [],
      'GET /api/taps': [tap({ kegId: null, status: 'out_of_keg' })],
      'POST /api/taps/tap-1/connect-keg': { tap: tap({ kegId: 'k1', status: 'active' }), keg: connected, suggestedKegId: 'k1', suggestionFollowed: true },
    })
    const kegs = useKegsStore()
    const taps = useTapsStore()
    await Promise.all([kegs.load(), taps.load()])
    expect(kegs.warehouseByBeer.map((g) => [g.beerName, g.kegs.map((k) => k.id)])).toEqual([['Pilsner', ['k1', 'k3']], ['Stout', ['k2']]])
    const r = await kegs.connect('tap-1', 'k1')
    expect(r.ok).toBe(true)
    expect(taps.byId.get('tap-1')!.kegId).toBe('k1')
    expect(kegs.warehouseByBeer[0]!.kegs.map((k) => k.id)).toEqual(['k3'])
    expect(f.calls).toContain('POST /api/taps/tap-1/connect-keg')
  })
})

describe('KegsView', () => {
  it('preselects the FIFO suggestion when connecting a keg, and shows a refusal in plain words', async () => {
    signIn('staff')
    fakeFetch({
      'GET /api/kegs': [keg({ id: 'old', receivedAt: '2026-11-01T00:00:00Z' }), keg({ id: 'new', receivedAt: '2026-11-15T00:00:00Z' })],
      'GET /api/beer-types': [],
      'GET /api/taps': [tap({ kegId: null, status: 'out_of_keg', beerName: null })],
      'GET /api/taps/tap-1/keg-suggestion': { tapId: 'tap-1', beerTypeId: 'beer-1', beerName: 'Pilsner', suggested: keg({ id: 'old' }), alternatives: [keg({ id: 'new' })] },
      'POST /api/taps/tap-1/connect-keg': problem(409, 'keg_not_in_warehouse', 'The keg is connected.'),
    })
    const view = mount(KegsView)
    await flushPromises()
    await view.get('[data-testid=keg-tap] button').trigger('click')
    await flushPromises()
    const radios = view.findAll<HTMLInputElement>('input[type=radio]')
    expect(radios.map((r) => [r.element.value, r.element.checked])).toEqual([['old', true], ['new', false]])
    expect(view.text()).toContain('Suggested')
    await view.get('form[aria-label="Connect a keg"]').trigger('submit')
    await flushPromises()
    expect(view.text()).toContain('no longer in the warehouse')
    expect(view.text()).not.toContain('Beer types and prices')
  })
})

describe('shift store', () => {
  it('treats no_open_shift as "none open" and ignores pushes that are older', async () => {
    fakeFetch({ 'GET /api/shifts/current': problem(404, 'no_open_shift', 'No shift is open.') })
    const shift = useShiftStore()
    await shift.load()
    expect(shift.status).toBe('ready')
    expect(shift.current).toBeNull()
    const joined = shiftDto({ members: [...shiftDto().members, { staffUserId: 'u-sam', name: 'Sam', role: 'staff', joinedAt: '2026-11-21T18:00:00Z' }] })
    shift.onShiftUpdated(joined)
    shift.onShiftUpdated(shiftDto())
    expect(shift.present.map((m) => m.name)).toEqual(['Mia', 'Sam'])
    shift.onShiftUpdated(joined)
    expect(shift.present).toHaveLength(2)
    shift.onShiftUpdated(shiftDto({ status: 'closed', closedAt: '2026-11-22T01:00:00Z', members: joined.members }))
    shift.onShiftUpdated(joined)
    expect(shift.current!.status).toBe('closed')
    shift.onShiftUpdated(shiftDto({ id: 'older', openedAt: '2026-11-20T17:00:00Z' }))
    expect(shift.current!.id).toBe('shift-1')
    shift.onShiftUpdated(shiftDto({ id: 'next', openedAt: '2026-11-22T17:00:00Z' }))
    expect(shift.current!.id).toBe('next')
  })

  it('knows whether the signed-in user is on the shift', async () => {
    signIn('staff')
    fakeFetch({ 'GET /api/shifts/current': shiftDto(), 'POST /api/shifts/shift-1/members': shiftDto({ members: [...shiftDto().members, { staffUserId: 'u-sam', name: 'Sam', role: 'staff', joinedAt: '2026-11-21T18:00:00Z' }] }) })
    const shift = useShiftStore()
    await shift.load()
    expect(shift.amOnShift).toBe(false)
    expect((await shift.join('shift-1')).ok).toBe(true)
    expect(shift.amOnShift).toBe(true)
  })
})

describe('ShiftView closing wizard', () => {
  const check = (o: Partial<ShiftCloseCheckDto> = {}): ShiftCloseCheckDto => ({
    shiftId: 'shift-1', blockers: [], alerts: { unresolved: [], criticalUnacknowledged: 0 },
    equipment: [{ item: 'Drip trays emptied', confirmed: false }, { item: 'CO2 pressure checked', confirmed: false }], canClose: true, summary: report(), ...o,
  })

  it('walks blockers → alerts → equipment item by item → summary → close, and then offers the CSV and printable report', async () => {
    signIn('manager')
    let checks = [
      check({ blockers: [{ kind: 'active_visit', id: 'v1', title: 'The visit of Anna is still active', link: '/visits/v1', visitId: 'v1' }], canClose: false }),
      check({ alerts: { unresolved: [alert({ id: 'a1' })], criticalUnacknowledged: 1 }, canClose: false }),
      check({ alerts: { unresolved: [alert({ id: 'a1' })], criticalUnacknowledged: 1 }, canClose: false }),
      check({ alerts: { unresolved: [alert({ id: 'a1', status: 'acknowledged' })], criticalUnacknowledged: 0 } }),
    ]
    let closeBody: unknown = null
    fakeFetch({
      'GET /api/shifts/current': shiftDto(),
      'GET /api/shifts/shift-1/close-check': () => (checks.length > 1 ? checks.shift()! : checks[0]!),
      'POST /api/alerts/a1/acknowledge': alert({ id: 'a1', status: 'acknowledged', acknowledgeComment: 'ok' }),
      'POST /api/shifts/shift-1/close': (_u: string, init?: RequestInit) => {
        closeBody = JSON.parse(String(init?.body))
        return report({ final: true, closedAt: '2026-11-22T01:00:00Z', closedBy: 'Mia' })
      },
    })
    const view = mount(ShiftView, { attachTo: document.body })
    await flushPromises()
    const button = (name: string) => view.findAll('button').find((b) => b.text() === name)!
    await button('Close the shift…').trigger('click')
    await flushPromises()
    expect(view.get('[data-testid=wizard-blockers]').text()).toContain('The visit of Anna is still active')
    expect(button('Next').attributes('disabled')).toBeDefined()
    await button('Check again').trigger('click')
    await flushPromises()
    await button('Next').trigger('click')
    await flushPromises()
    expect(view.get('[data-testid=wizard-alerts]').text()).toContain('must be acknowledged')
    expect(button('Next').attributes('disabled')).toBeDefined()
    await button('Acknowledge…').trigger('click')
    await flushPromises()
    const dialog = view.get('[role=dialog]')
    expect(dialog.get('button[type=submit]').attributes('disabled')).toBeDefined()
    await dialog.get('textarea').setValue('Card confiscated')
    await dialog.trigger('submit')
    await flushPromises()
    expect(button('Next').attributes('disabled')).toBeUndefined()
    await button('Next').trigger('click')
    await flushPromises()
    const boxes = view.get('[data-testid=wizard-equipment]').findAll('input[type=checkbox]')
    await boxes[0]!.setValue(true)
    expect(button('Next').attributes('disabled')).toBeDefined()
    await boxes[1]!.setValue(true)
    await button('Next').trigger('click')
    await flushPromises()
    expect(view.get('[data-testid=wizard-summary]').text()).toContain('13.25')
    await view.get('[data-testid=close-shift]').trigger('click')
    await flushPromises()
    expect(closeBody).toEqual({ equipmentConfirmed: ['Drip trays emptied', 'CO2 pressure checked'] })
    expect(view.get('[data-testid=report-csv]').attributes('href')).toBe('/api/shifts/shift-1/report.csv')
    expect(view.get('[data-testid=report-html]').attributes('href')).toBe('/api/shifts/shift-1/report.html')
    view.unmount()
  })

  it('offers staff no wizard and no opening', async () => {
    signIn('staff')
    fakeFetch({ 'GET /api/shifts/current': problem(404, 'no_open_shift') })
    const view = mount(ShiftView)
    await flushPromises()
    expect(view.text()).toContain('No shift is open')
    expect(view.findAll('button').map((b) => b.text())).not.toContain('Open a shift')
  })
})

describe('alerts rules', () => {
  it('critical needs a comment to acknowledge; only managers resolve criticals; managers mute', () => {
    const critical = alert({ severity: 'critical', subjectId: 'tap-1' })
    expect(alertPermissions(critical, false)).toEqual({ acknowledge: true, acknowledgeNeedsComment: true, resolve: false, mute: false })
    expect(alertPermissions(critical, true)).toMatchObject({ resolve: true, mute: true })
    const warning = alert({ severity: 'warning', status: 'acknowledged', subjectId: 'tap-1' })
    expect(alertPermissions(warning, false)).toEqual({ acknowledge: false, acknowledgeNeedsComment: false, resolve: true, mute: false })
    expect(alertPermissions({ ...warning, muted: true }, true).mute).toBe(false)
  })
})

describe('desk', () => {
  it('explains every documented refusal of open-and-assign-card in plain words', () => {
    for (const code of ['invalid_card_uid', 'validation_failed', 'idempotency_key_reused', 'not_found', 'guest_blocked', 'card_lost',
      'guest_has_active_visit', 'card_in_active_visit', 'card_bound_to_other_guest']) {
      expect(issueCardConflicts[code], code).toBeTruthy()
    }
  })

  it('says what open-and-assign-card did', () => {
    const base = { visitId: 'v', guestId: 'g', cardId: 'c', cardUid: '04A22B1C', isMinor: false, volumeLimitMl: 2000, openedAt: '2026-11-21T18:00:00Z' }
    expect(describeIssueResult({ ...base, stage: 'bound', steps: ['bound', 'assigned'], visitOpened: true })).toBe('Card 04A22B1C bound to the guest; visit opened.')
    expect(describeIssueResult({ ...base, stage: 'already_bound', steps: ['already_bound', 'assigned'], visitOpened: false, isMinor: true }))
      .toContain('assigned to the guest’s open visit')
  })
})

describe('POS and lost cards', () => {
  it('sorts the outbox into pending, failed, dead and done, and retries', async () => {
    expect(queueOf(posEntry())).toBe('pending')
    expect(queueOf(posEntry({ attempts: 2, lastError: 'HTTP 503' }))).toBe('failed')
    expect(queueOf(posEntry({ status: 'dead', attempts: 10, lastError: 'x' }))).toBe('dead')
    expect(queueOf(posEntry({ status: 'manual_done' }))).toBe('done')
    expect(queueOf(posEntry({ status: 'sent' }))).toBe('done')
    fakeFetch({
      'GET /api/pos/outbox?limit=500': [posEntry({ id: 7, status: 'dead', attempts: 10, lastError: 'down' })],
      'POST /api/pos/outbox/7/retry': posEntry({ id: 7, status: 'pending', attempts: 0, lastError: 'down' }),
      'POST /api/pos/outbox/8/mark-done': problem(409, 'pos_entry_already_settled'),
    })
    const pos = usePosStore()
    await pos.load()
    expect(pos.byQueue.dead.map((e) => e.id)).toEqual([7])
    expect((await pos.retry(7)).ok).toBe(true)
    expect(pos.byQueue.dead).toHaveLength(0)
    expect(pos.byQueue.pending.map((e) => e.id)).toEqual([7])
    const refused = await pos.markDone(8, 'receipt 1')
    expect(refused.ok || refused.error.code).toBe('pos_entry_already_settled')
  })

  it('reports a card lost (UID encoded) and a cleared report never comes back as open', async () => {
    const reported = { id: 'l1', uid: '04A1B2C3', reportedAt: '2026-11-21T18:00:00Z', reportedBy: 'Sam', guestName: 'Ada' }
    const f = fakeFetch({
      'POST /api/cards/04%3AA1%3AB2%3AC3/lost': reported,
      'POST /api/lost-cards/l1/clear': { ...reported, clearedAt: '2026-11-21T19:00:00Z', clearedBy: 'Mia' },
      'GET /api/lost-cards': [reported],
    })
    const lost = useLostCardsStore()
    expect((await lost.report('04:A1:B2:C3', 'terrace')).ok).toBe(true)
    expect(lost.open).toHaveLength(1)
    expect((await lost.clear('l1', 'found')).ok).toBe(true)
    await lost.load()
    expect(f.calls).toContain('GET /api/lost-cards')
    expect(lost.open).toHaveLength(0)
  })
})
