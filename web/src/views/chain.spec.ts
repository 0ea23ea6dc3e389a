import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory } from 'vue-router'
import type { ChainReportDto, ChainVenueNowDto, LocationDto, StaffUserDto } from '../api/types'
import { workAt } from '../api/http'
import { createAppRouter } from '../router'
import { CHAIN_POLL_MS, lastDays, periodOf, useChainStore } from '../stores/chain'
import { useLocationStore } from '../stores/location'
import { useSessionStore } from '../stores/session'
import { useStaffStore } from '../stores/staff'
import { fakeFetch, hafen, me, mitte, problem } from '../testing/fakes'
import ChainReportView from './ChainReportView.vue'
import ChainView from './ChainView.vue'
import KegsView from './KegsView.vue'
import StaffView from './StaffView.vue'

// uPlot draws on a canvas, which happy-dom has not (see charts.spec.ts): the charts' data is checked here.
const plotted: unknown[][] = []
vi.mock('uplot', () => {
  class FakePlot {
    static paths = { bars: () => () => null, stepped: () => () => null, linear: () => () => null }
    static tzDate = (d: Date) => d
    constructor(opts: unknown, data: unknown) { plotted.push([opts, data]) }
    setSize() {}
    destroy() {}
  }
  return { default: FakePlot }
})
vi.mock('uplot/dist/uPlot.min.css', () => ({}))

const now = (o: Partial<ChainVenueNowDto>): ChainVenueNowDto => ({
  locationId: mitte.id, name: mitte.name, slug: mitte.slug, currency: 'EUR', timeZone: 'Europe/Berlin', taps: 4, tapsPouring: 1,
  litresTonight: 12.35, revenueTonight: 98.8, openAlerts: 0, tonightSince: '2026-11-21T16:00:00Z', ...o,
})
const mitteNow = now({})
const hafenNow = now({ locationId: hafen.id, name: hafen.name, slug: hafen.slug, currency: 'DKK', timeZone: 'Europe/Copenhagen', taps: 2, tapsPouring: 0, litresTonight: 3.5, revenueTonight: 210, openAlerts: 2 })
const report: ChainReportDto = {
  from: '2026-11-15T00:00:00Z', to: '2026-11-22T00:00:00Z', venues: [
    { locationId: mitte.id, name: mitte.name, currency: 'EUR', pours: 40, volumeMl: 16500, revenue: 132.5, topUps: 300, refunds: 12.25 },
    { locationId: hafen.id, name: hafen.name, currency: 'EUR', pours: 12, volumeMl: 4200, revenue: 41, topUps: 80, refunds: 0 },
  ],
}
const location = (l: { id: string; slug: string; name: string }) => ({ ...l, currency: 'EUR', timeZone: 'Europe/Berlin' }) as unknown as LocationDto

function mountWithRouter<T>(component: T) {
  const router = createAppRouter(createMemoryHistory())
  return mount(component as never, { global: { plugins: [router] } })
}

beforeEach(() => {
  setActivePinia(createPinia())
  plotted.length = 0
  workAt(null)
})
afterEach(() => {
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

describe('the chain report period', () => {
  it('defaults to the last 7 days up to today in the browser’s zone, sent as UTC instants [first midnight, the midnight after)', () => {
    expect(lastDays(7, new Date(2026, 10, 21, 15, 30))).toEqual({ fromDay: '2026-11-15', toDay: '2026-11-21' })
    const p = periodOf('2026-11-15', '2026-11-21')!
    expect(p.from).toBe(new Date(2026, 10, 15).toISOString())
    expect(p.to).toBe(new Date(2026, 10, 22).toISOString())
    expect(periodOf('2026-11-21', '2026-11-20')).toBeNull()
    expect(periodOf('', '2026-11-20')).toBeNull()
  })
})

describe('ChainView', () => {
  it('shows a card per venue with its link, taps pouring, litres, revenue in its own currency and open alerts', async () => {
    const { calls } = fakeFetch({ 'GET /api/chain/overview': [mitteNow, hafenNow] })
    workAt(mitte.id) // the last venue opened: the chain's routes still go without it
    const view = mountWithRouter(ChainView)
    await flushPromises()
    const cards = view.findAll('[data-testid=chain-venue]')
    expect(cards).toHaveLength(2)
    expect(cards[0]!.get('[data-testid=chain-venue-link]').attributes('href')).toBe('/v/mitte/taps')
    expect(cards[0]!.get('[data-testid=chain-pouring]').text()).toBe('1 of 4')
    expect(cards[0]!.get('[data-testid=chain-litres]').text()).toBe('12.3 L')
    expect(cards[0]!.get('[data-testid=chain-revenue]').text()).toBe('98.80 EUR')
    expect(cards[1]!.get('[data-testid=chain-revenue]').text()).toBe('210.00 DKK')
    expect(cards[1]!.get('[data-testid=chain-alerts]').text()).toBe('2')
    expect(cards[0]!.get('[data-testid=chain-alerts]').text()).toBe('None')
    // Two currencies: no revenue total is made up across them.
    expect(view.get('[data-testid=chain-totals]').text()).not.toMatch(/EUR|DKK/)
    expect(calls).toEqual(['GET /api/chain/overview'])
    view.unmount()
  })

  it('reads the overview again every 10 s and stops when left', async () => {
    vi.useFakeTimers()
    let revenue = 10
    const { calls } = fakeFetch({ 'GET /api/chain/overview': () => [now({ revenueTonight: revenue })] })
    const view = mountWithRouter(ChainView)
    await vi.advanceTimersByTimeAsync(0)
    expect(view.get('[data-testid=chain-revenue]').text()).toBe('10.00 EUR')
    revenue = 12.5
    await vi.advanceTimersByTimeAsync(CHAIN_POLL_MS)
    expect(view.get('[data-testid=chain-revenue]').text()).toBe('12.50 EUR')
    view.unmount()
    const made = calls.length
    await vi.advanceTimersByTimeAsync(CHAIN_POLL_MS * 3)
    expect(calls.length).toBe(made)
  })

  it('shows the refusal with Try again, and keeps the last figures when only a reload fails', async () => {
    let fail = true
    fakeFetch({ 'GET /api/chain/overview': () => (fail ? problem(403, 'forbidden', 'Admins only.') : [mitteNow]) })
    const view = mountWithRouter(ChainView)
    await flushPromises()
    expect(view.text()).toContain('Could not load the chain overview')
    expect(view.text()).toContain('forbidden')
    fail = false
    await view.get('button').trigger('click')
    await flushPromises()
    expect(view.findAll('[data-testid=chain-venue]')).toHaveLength(1)
    fail = true
    await useChainStore().loadOverview()
    await flushPromises()
    expect(view.findAll('[data-testid=chain-venue]')).toHaveLength(1)
    expect(view.text()).toContain('Showing the last known the chain overview')
    view.unmount()
  })

  it('says so when the chain has no venue', async () => {
    fakeFetch({ 'GET /api/chain/overview': [] })
    const view = mountWithRouter(ChainView)
    await flushPromises()
    expect(view.text()).toContain('The chain has no venue yet.')
    view.unmount()
  })
})

describe('ChainReportView', () => {
  it('asks for the last 7 days, shows a row per venue, both charts and a CSV link for the same period', async () => {
    const p = periodOf(lastDays(7).fromDay, lastDays(7).toDay)!
    const q = `?from=${encodeURIComponent(p.from)}&to=${encodeURIComponent(p.to)}`
    const { calls } = fakeFetch({ [`GET /api/reports/chain${q}`]: report })
    workAt(hafen.id)
    const view = mountWithRouter(ChainReportView)
    await flushPromises()
    expect(calls).toEqual([`GET /api/reports/chain${q}`]) // no ?locationId=: the report is the chain's
    const rows = view.findAll('[data-testid=chain-report-row]').map((r) => r.findAll('td').map((c) => c.text()))
    expect(rows).toEqual([
      ['Taproom Mitte', '40', '16.5 L', '132.50 EUR', '300.00 EUR', '12.25 EUR'],
      ['Taproom Hafen', '12', '4.2 L', '41.00 EUR', '80.00 EUR', '0.00 EUR'],
    ])
    expect(view.get('[data-testid=chain-csv]').attributes('href')).toBe(`/api/reports/chain.csv${q}`)
    expect(view.find('[data-testid=chart-chain-revenue]').exists()).toBe(true)
    expect(plotted.map(([, data]) => (data as number[][])[1])).toEqual([[132.5, 41], [16.5, 4.2]])
    view.unmount()
  })

  it('refuses a last day before the first without asking the server, and shows a server refusal', async () => {
    const { calls } = fakeFetch({})
    const view = mountWithRouter(ChainReportView)
    await flushPromises()
    expect(view.text()).toContain('Could not load the chain report')
    const made = calls.length
    await view.get('[data-testid=chain-from]').setValue('2026-11-21')
    await view.get('[data-testid=chain-to]').setValue('2026-11-20')
    await view.get('form').trigger('submit')
    await flushPromises()
    expect(view.text()).toContain('the last not before the first')
    expect(calls.length).toBe(made)
    view.unmount()
  })
})

describe('the staff view with venues', () => {
  const tess: StaffUserDto = { id: 't', login: 'tess', name: 'Tess', role: 'staff', isActive: true, locationIds: [hafen.id] }
  const ada: StaffUserDto = { id: 'a', login: 'ada', name: 'Ada', role: 'admin', isActive: true, locationIds: [] }

  function signInAdmin() {
    const session = useSessionStore()
    session.user = me('admin', { id: 'a', locations: [mitte, hafen] })
    session.status = 'signed_in'
  }

  it('shows each user’s venues and changes them with PUT /api/staff/{id}/locations', async () => {
    signInAdmin()
    const { fn } = fakeFetch({
      'GET /api/staff': [ada, tess], 'GET /api/locations': [location(mitte), location(hafen)],
      'PUT /api/staff/t/locations': (_: string, init?: RequestInit) => ({ ...tess, locationIds: JSON.parse(String(init!.body)).locationIds }),
    })
    const view = mount(StaffView)
    await flushPromises()
    expect(view.get('[data-testid=staff-tess] [data-testid=staff-venues]').text()).toBe('Taproom Hafen')
    expect(view.get('[data-testid=staff-ada] [data-testid=staff-venues]').text()).toBe('The whole chain')
    await view.get('[data-testid=staff-venues-tess]').trigger('click')
    await view.get('input[aria-label="tess works at Taproom Mitte"]').setValue(true)
    await view.get('[data-testid=staff-tess] button.primary').trigger('click')
    await flushPromises()
    const put = fn.mock.calls.find(([url, init]) => url === '/api/staff/t/locations' && init?.method === 'PUT')!
    expect(JSON.parse(String(put[1]!.body))).toEqual({ locationIds: [hafen.id, mitte.id] })
    expect(view.get('[data-testid=staff-tess] [data-testid=staff-venues]').text()).toBe('Taproom Mitte, Taproom Hafen')
    expect(view.get('[data-testid=staff-message]').text()).toContain('sign in again')
  })

  it('requires a venue for a new staff member when the chain has several, and sends the ones picked', async () => {
    signInAdmin()
    const { fn } = fakeFetch({
      'GET /api/staff': [ada], 'GET /api/locations': [location(mitte), location(hafen)],
      'POST /api/staff': (_: string, init?: RequestInit) => ({ ...JSON.parse(String(init!.body)), id: 'n', isActive: true, password: undefined }),
    })
    const view = mount(StaffView)
    await flushPromises()
    await view.get('input[name=new-login]').setValue('nico')
    await view.get('input[name=new-name]').setValue('Nico')
    await view.get('input[name=new-password]').setValue('password-123')
    await view.get('select[name=new-role]').setValue('manager')
    const submit = view.get('form[aria-label="New staff user"] button[type=submit]')
    expect(submit.attributes('disabled')).toBeDefined()
    await view.findAll('input[name=new-venue]')[1]!.setValue(true)
    expect(submit.attributes('disabled')).toBeUndefined()
    await view.get('form[aria-label="New staff user"]').trigger('submit')
    await flushPromises()
    const post = fn.mock.calls.find(([url, init]) => url === '/api/staff' && init?.method === 'POST')!
    expect(JSON.parse(String(post[1]!.body))).toEqual({ login: 'nico', name: 'Nico', password: 'password-123', role: 'manager', locationIds: [hafen.id] })
    expect(view.get('[data-testid=staff-nico] [data-testid=staff-venues]').text()).toBe('Taproom Hafen')
  })

  it('sends no venues for an admin, and shows a refusal in plain words', async () => {
    signInAdmin()
    const { fn } = fakeFetch({
      'GET /api/staff': [ada], 'GET /api/locations': [location(mitte), location(hafen)],
      'POST /api/staff': problem(409, 'login_taken', 'The login is taken.'),
    })
    const view = mount(StaffView)
    await flushPromises()
    await view.get('input[name=new-login]').setValue('ada')
    await view.get('input[name=new-name]').setValue('Ada Two')
    await view.get('input[name=new-password]').setValue('password-123')
    await view.get('select[name=new-role]').setValue('admin')
    expect(view.find('[data-testid=new-user-venues]').exists()).toBe(false)
    await view.get('form[aria-label="New staff user"]').trigger('submit')
    await flushPromises()
    const post = fn.mock.calls.find(([url, init]) => url === '/api/staff' && init?.method === 'POST')!
    expect(JSON.parse(String(post[1]!.body))).not.toHaveProperty('locationIds')
    expect(view.text()).toContain('This login is taken.')
    expect(useStaffStore().users).toHaveLength(1)
  })
})

describe('venue prices in the Kegs view', () => {
  const pils = { id: 'beer-1', name: 'Pils', style: 'Lager', abv: 4.9, pricePerLiter: 9.8, cataloguePricePerLiter: 8.5, createdAt: '2026-11-01T00:00:00Z' }

  it('shows the venue’s and the catalogue’s price, sets the venue’s, and goes back to the catalogue’s', async () => {
    const session = useSessionStore()
    session.user = me('manager', { locations: [mitte] })
    session.status = 'signed_in'
    workAt(mitte.id)
    useLocationStore().venue = location(mitte)
    const { fn } = fakeFetch({
      [`GET /api/kegs?locationId=${mitte.id}`]: [], [`GET /api/taps?locationId=${mitte.id}`]: [],
      [`GET /api/beer-types?locationId=${mitte.id}`]: [pils],
      [`PUT /api/locations/${mitte.id}/prices/beer-1`]: (_: string, init?: RequestInit) => {
        const price = JSON.parse(String(init!.body)).pricePerLiter as number | null
        return { ...pils, pricePerLiter: price ?? 8.5 }
      },
    })
    const view = mountWithRouter(KegsView)
    await flushPromises()
    const row = () => view.get('[data-testid="beer-price-Pils"]')
    expect((row().get('input[aria-label="Catalogue price per litre of Pils"]').element as HTMLInputElement).value).toBe('8.5')
    expect((row().get('input[aria-label="Price per litre of Pils at Taproom Mitte"]').element as HTMLInputElement).value).toBe('9.8')
    expect(row().get('[data-testid=venue-price-kind]').text()).toBe('Own price')

    await row().get('input[aria-label="Price per litre of Pils at Taproom Mitte"]').setValue('10.25')
    await row().get('[data-testid=venue-price-save-Pils]').trigger('click')
    await flushPromises()
    const puts = fn.mock.calls.filter(([, init]) => init?.method === 'PUT').map(([url, init]) => [url, JSON.parse(String(init!.body))])
    expect(puts).toEqual([[`/api/locations/${mitte.id}/prices/beer-1`, { pricePerLiter: 10.25 }]])

    await row().get('[data-testid=venue-price-reset-Pils]').trigger('click')
    await flushPromises()
    expect(fn.mock.calls.filter(([, init]) => init?.method === 'PUT').at(-1)![1]!.body).toBe('{"pricePerLiter":null}')
    expect(row().get('[data-testid=venue-price-kind]').text()).toBe('Catalogue’s')
    expect(row().find('[data-testid=venue-price-reset-Pils]').exists()).toBe(false)
    expect(view.get('[data-testid=kegs-message]').text()).toContain('back at the catalogue’s')
  })
})
