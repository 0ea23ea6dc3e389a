import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '../api/http'
import { alert, deferred, fakeFetch, problem, tap, visit } from '../testing/fakes'
import { router } from '../router'
import { useAlertsStore } from '../stores/alerts'
import { useSessionStore } from '../stores/session'
import AlertsView from '../views/AlertsView.vue'
import SyncView from '../views/SyncView.vue'
import TapsView from '../views/TapsView.vue'
import VisitsView from '../views/VisitsView.vue'
import AdminLinks from './AdminLinks.vue'
import AsyncState from './AsyncState.vue'
import CriticalBanner from './CriticalBanner.vue'
import TapCard from './TapCard.vue'

describe('AsyncState', () => {
  it('shows loading, then error with a retry, then empty, then the content', async () => {
    const slots = { default: '<p class="content">rows</p>' }
    const loading = mount(AsyncState, { props: { status: 'loading', what: 'taps' }, slots })
    expect(loading.text()).toContain('Loading taps')
    const error = mount(AsyncState, { props: { status: 'error', error: new ApiError(500, 'server_error', 'x', 'Database locked'), what: 'taps' }, slots })
    expect(error.text()).toContain('Could not load taps')
    expect(error.text()).toContain('Database locked')
    await error.get('button').trigger('click')
    expect(error.emitted('retry')).toHaveLength(1)
    const empty = mount(AsyncState, { props: { status: 'ready', empty: true, emptyText: 'No taps yet.' }, slots })
    expect(empty.text()).toBe('No taps yet.')
    const ready = mount(AsyncState, { props: { status: 'ready' }, slots })
    expect(ready.find('.content').exists()).toBe(true)
  })

  it('explains a route the server does not have yet', () => {
    const w = mount(AsyncState, { props: { status: 'error', error: new ApiError(404, 'not_found', 'Not Found'), what: 'alerts' } })
    expect(w.text()).toContain('not available on this server yet')
  })
})

describe('TapCard', () => {
  it('shows beer, keg level, the pour with guest and volume, and the controller state', () => {
    const w = mount(TapCard, {
      props: {
        tap: tap({ controllerOnline: false, activePour: { pourSessionId: 'p', visitId: 'v', guestName: 'Ada', volumeMl: 240, maxVolumeMl: 500, startedAt: '2026-11-21T18:00:00Z' } }),
        lockedVisitName: 'Ada',
      },
    })
    expect(w.text()).toContain('Pilsner')
    expect(w.text()).toContain('50%')
    expect(w.get('[data-testid=pour]').text()).toContain('Ada')
    expect(w.get('[data-testid=pour-volume]').text()).toBe('240 ml')
    expect(w.text()).toContain('Controller offline')
    expect(w.text()).toContain('Card lock: Ada')
  })
})

describe('views', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => vi.unstubAllGlobals())

  function signIn(role: 'staff' | 'manager' | 'admin') {
    useSessionStore().$patch({ status: 'signed_in', user: { id: 'u', login: role, name: role, role } })
  }

  it('Taps: loading, then every tap as a card', async () => {
    signIn('staff')
    const answer = deferred<unknown>()
    fakeFetch({ 'GET /api/taps': () => answer.promise, 'GET /api/visits?status=active': [] })
    const w = mount(TapsView)
    expect(w.text()).toContain('Loading taps')
    answer.resolve([tap(), tap({ id: 't2', number: 2, name: 'Tap 2' })])
    await flushPromises()
    expect(w.findAll('[data-testid=tap-card]')).toHaveLength(2)
  })

  it('Taps: empty and error states', async () => {
    signIn('staff')
    fakeFetch({ 'GET /api/taps': [], 'GET /api/visits?status=active': [] })
    const empty = mount(TapsView)
    await flushPromises()
    expect(empty.text()).toContain('No taps yet')

    setActivePinia(createPinia())
    signIn('staff')
    fakeFetch({ 'GET /api/taps': problem(503, 'server_error', 'down'), 'GET /api/visits?status=active': [] })
    const failed = mount(TapsView)
    await flushPromises()
    expect(failed.text()).toContain('Could not load taps')
  })

  it('Alerts: the empty state, then a pushed alert appears without reload', async () => {
    signIn('staff')
    fakeFetch({ 'GET /api/alerts': [] })
    const w = mount(AlertsView)
    await flushPromises()
    expect(w.text()).toContain('No open alerts')
    useAlertsStore().onAlertRaised(alert({ message: 'Lost card at Tap 3' }))
    await flushPromises()
    expect(w.get('[data-testid=alert]').text()).toContain('Lost card at Tap 3')
    expect(w.text()).toContain('Acknowledge')
  })

  it('the critical banner shows an open critical alert and hides once acknowledged', async () => {
    fakeFetch({})
    const w = mount(CriticalBanner)
    const alerts = useAlertsStore()
    alerts.onAlertRaised(alert({ message: 'Lost card at Tap 3' }))
    await flushPromises()
    expect(w.get('[data-testid=critical-banner]').text()).toContain('Lost card at Tap 3')
    alerts.onAlertUpdated(alert({ status: 'acknowledged' }))
    await flushPromises()
    expect(w.find('[data-testid=critical-banner]').exists()).toBe(false)
  })

  it('Sync: shows the error state when the route is missing', async () => {
    signIn('staff')
    fakeFetch({})
    const w = mount(SyncView)
    await flushPromises()
    expect(w.text()).toContain('Could not load the sync queue')
  })

  it('Visits: a staff user is not offered force-unlock, a manager is', async () => {
    const locked = visit({ activeTapId: 'tap-1', lockSetAt: '2026-11-21T18:00:00Z' })
    for (const [role, offered] of [['staff', false], ['manager', true]] as const) {
      // The pinia goes into the component too: a store action of an earlier view, woken by the shared router, would
      // otherwise make its own pinia the active one again.
      const pinia = createPinia()
      setActivePinia(pinia)
      signIn(role)
      fakeFetch({ 'GET /api/visits?status=active': [locked], 'GET /api/taps': [tap()], 'GET /api/visits/visit-1': { ...locked, pours: [] } })
      await router.push('/v/mitte/visits')
      const w = mount(VisitsView, { global: { plugins: [pinia] } })
      await flushPromises()
      await w.get('[data-testid=visit-row]').trigger('click')
      await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/v/mitte/visits/visit-1'))
      await flushPromises()
      expect(w.text()).toContain('Card locked on')
      expect(w.find('[data-testid=force-unlock]').exists()).toBe(offered)
      w.unmount()
    }
  })
})

describe('AdminLinks', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('links the Hangfire dashboard for an admin only', () => {
    for (const [role, shown] of [['staff', false], ['manager', false], ['admin', true]] as const) {
      setActivePinia(createPinia())
      useSessionStore().$patch({ status: 'signed_in', user: { id: 'u', login: role, name: role, role } })
      const w = mount(AdminLinks)
      expect(w.find('[data-testid=jobs-dashboard]').exists()).toBe(shown)
      if (shown) expect(w.get('[data-testid=jobs-dashboard]').attributes('href')).toBe('/hangfire')
    }
  })
})
