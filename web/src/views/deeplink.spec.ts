import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fakeFetch, visit } from '../testing/fakes'
import { router } from '../router'
import { useSessionStore } from '../stores/session'
import VisitsView from './VisitsView.vue'

describe('VisitsView deep link', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => vi.unstubAllGlobals())

  it('opens the visit named in the path (a shift blocker link) even before its push arrives', async () => {
    const session = useSessionStore()
    session.user = { id: 'u', login: 'm', name: 'Mia', role: 'manager', locations: [] }
    fakeFetch({
      'GET /api/visits?status=active': [],
      'GET /api/taps': [],
      'GET /api/visits/visit-9': { visit: visit({ id: 'visit-9', guestName: 'Ada Shift' }), ledger: [], pours: [] },
    })
    await router.push('/v/mitte/visits/visit-9')
    const view = mount(VisitsView)
    await flushPromises()
    expect(view.get('aside').text()).toContain('Ada Shift')
  })
})
