import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory } from 'vue-router'
import type { CurrentUserDto } from './api/types'
import App from './App.vue'
import { createAppRouter, guard } from './router'
import { useLiveStore } from './stores/live'
import { useSessionStore } from './stores/session'
import { fakeFetch, hafen, me, mitte } from './testing/fakes'

/** The whole App on a memory history: the session from GET /api/auth/me, the live connection left out. */
async function appAt(path: string, user: CurrentUserDto) {
  const pinia = createPinia()
  setActivePinia(pinia)
  useLiveStore().start = vi.fn(async () => {})
  fakeFetch({
    'GET /api/auth/me': user,
    'GET /api/locations/loc-mitte': { id: 'loc-mitte', slug: 'mitte', name: 'Taproom Mitte', currency: 'EUR', timeZone: 'Europe/Berlin', policies: {} },
    'GET /api/locations/loc-hafen': { id: 'loc-hafen', slug: 'hafen', name: 'Taproom Hafen', currency: 'EUR', timeZone: 'Europe/Berlin', policies: {} },
  })
  const router = createAppRouter(createMemoryHistory())
  router.beforeEach(guard(useSessionStore()))
  await router.push(path)
  const wrapper = mount(App, { global: { plugins: [pinia, router] } })
  await vi.waitFor(() => expect(useSessionStore().status).toBe('signed_in'))
  await flushPromises()
  return { wrapper, router }
}

describe('App and venue URLs', { timeout: 30_000 }, () => {
  afterEach(() => vi.unstubAllGlobals())

  it('takes / to the user’s venue and shows its name, without a switcher for one venue', async () => {
    const { wrapper, router } = await appAt('/', me('staff'))
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/v/mitte/taps'), { timeout: 10_000 })
    await flushPromises()
    expect(wrapper.get('[data-testid=venue-name]').text()).toBe('Taproom Mitte')
    expect(wrapper.find('[data-testid=venue-switcher]').exists()).toBe(false)
    expect(wrapper.get('[data-testid=nav-kegs]').attributes('href')).toBe('/v/mitte/kegs')
  })

  it('shows “No such venue” for a slug that is not one of the user’s venues, with links to theirs', async () => {
    const { wrapper, router } = await appAt('/v/hafen/kegs', me('staff', { locations: [mitte] }))
    expect(router.currentRoute.value.fullPath).toBe('/v/hafen/kegs')
    const missing = wrapper.get('[data-testid=no-such-venue]')
    expect(missing.text()).toContain('No such venue')
    expect(missing.get('[data-testid=venue-link]').attributes('href')).toBe('/v/mitte/taps')
    expect(document.title).toBe('No such venue · TapRoom')
  })

  it('offers the switcher with several venues and moves to the same view of the other venue', async () => {
    const { wrapper, router } = await appAt('/v/mitte/alerts', me('manager', { locations: [mitte, hafen] }))
    const switcher = wrapper.get('[data-testid=venue-switcher]')
    expect((switcher.element as HTMLSelectElement).value).toBe('mitte')
    await switcher.setValue('hafen')
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/v/hafen/alerts'), { timeout: 10_000 })
    await flushPromises()
    expect(wrapper.get('[data-testid=venue-name]').text()).toBe('Taproom Hafen')
  })

  it('takes an admin of a chain from / to the chain overview, with the chain links and “All venues” in the frame', async () => {
    const { wrapper, router } = await appAt('/', me('admin', { locations: [mitte, hafen] }))
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/chain'), { timeout: 10_000 })
    await flushPromises()
    expect(wrapper.get('[data-testid=venue-name]').text()).toBe('All venues')
    expect(wrapper.get('[data-testid=nav-chain]').attributes('aria-current')).toBe('page')
    expect(wrapper.get('[data-testid=nav-chain-report]').attributes('href')).toBe('/chain/report')
    expect(wrapper.find('[data-testid=forbidden]').exists()).toBe(false)
    expect(document.title).toBe('Chain · TapRoom')
  })

  it('refuses the chain’s pages to a manager with the “is for admins” page, and offers no chain links', async () => {
    const { wrapper } = await appAt('/chain/report', me('manager', { locations: [mitte, hafen] }))
    await flushPromises()
    expect(wrapper.get('[data-testid=forbidden]').text()).toContain('Chain report is for admins')
    expect(wrapper.find('[data-testid=nav-chain]').exists()).toBe(false)
    expect(wrapper.find('[data-testid=chain-report-table]').exists()).toBe(false)
  })
})
