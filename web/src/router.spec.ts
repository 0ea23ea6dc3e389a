import { describe, expect, it } from 'vitest'
import { createMemoryHistory } from 'vue-router'
import type { CurrentUserDto } from './api/types'
import { createAppRouter, guard, homeFor, legacyPath, sameViewIn, venueFor, venuePath, viewOf, type SessionLike } from './router'
import { hafen, me, mitte } from './testing/fakes'

const signedIn = (user: CurrentUserDto): SessionLike => ({ status: 'signed_in', user })

async function routerFor(session: SessionLike, start = '/') {
  const router = createAppRouter(createMemoryHistory())
  router.beforeEach(guard(session))
  await router.push(start)
  await router.isReady()
  return router
}

describe('venue URLs', () => {
  it('put the venue in every view’s path', () => {
    expect(venuePath('mitte')).toBe('/v/mitte/taps')
    expect(venuePath('mitte', '/visits/42')).toBe('/v/mitte/visits/42')
    expect(legacyPath('/visits/42', 'hafen')).toBe('/v/hafen/visits/42')
    expect(legacyPath('/nothing-here', 'hafen')).toBeNull()
  })

  it('find the venue of a slug only among the user’s venues', () => {
    expect(venueFor('hafen', [mitte, hafen])).toEqual(hafen)
    expect(venueFor('hafen', [mitte])).toBeUndefined()
    expect(venueFor(['hafen'], [hafen])).toBeUndefined()
  })

  it('send / to the first venue; an admin of several venues to the chain overview, of one to its taps', () => {
    expect(homeFor(me('staff', { locations: [mitte, hafen] }))).toEqual({ name: 'taps', params: { slug: 'mitte' } })
    expect(homeFor(me('manager', { locations: [mitte, hafen] }))).toEqual({ name: 'taps', params: { slug: 'mitte' } })
    expect(homeFor(me('admin', { locations: [hafen] }))).toEqual({ name: 'taps', params: { slug: 'hafen' } })
    expect(homeFor(me('admin', { locations: [mitte, hafen] }))).toEqual({ name: 'chain' })
    expect(homeFor(me('staff', { locations: [] }))).toEqual({ name: 'no-venue' })
  })
})

describe('the router and its guard', { timeout: 30_000 }, () => {
  it('takes a signed-in user from / to their venue', async () => {
    const router = await routerFor(signedIn(me('staff', { locations: [hafen, mitte] })))
    expect(router.currentRoute.value.fullPath).toBe('/v/hafen/taps')
  })

  it('takes an admin of a chain from / to /chain, and opens /chain/report outside any venue', async () => {
    const router = await routerFor(signedIn(me('admin', { locations: [mitte, hafen] })))
    expect(router.currentRoute.value.fullPath).toBe('/chain')
    await router.push('/chain/report')
    expect([router.currentRoute.value.name, router.currentRoute.value.params.slug]).toEqual(['chain-report', undefined])
  })

  it('keeps the URL while signed out, so a deep link survives signing in', async () => {
    const session: SessionLike = { status: 'signed_out', user: null }
    const router = await routerFor(session, '/v/mitte/visits/v-1')
    expect(router.currentRoute.value.name).toBe('visit')
    session.status = 'signed_in'
    session.user = me('staff', { locations: [mitte] })
    await router.replace(router.currentRoute.value.fullPath)
    expect(router.currentRoute.value.fullPath).toBe('/v/mitte/visits/v-1')
  })

  it('opens a visit by its URL as part of Visits', async () => {
    const router = await routerFor(signedIn(me('staff')), '/v/mitte/visits/v-42')
    const route = router.currentRoute.value
    expect([route.name, route.params.slug, route.params.id, viewOf(route)?.name]).toEqual(['visit', 'mitte', 'v-42', 'visits'])
  })

  it('moves back and forward through the history', async () => {
    const router = await routerFor(signedIn(me('staff')), '/v/mitte/taps')
    await router.push('/v/mitte/visits/v-1')
    await router.push('/v/mitte/visits/v-2')
    const settled = () => new Promise<void>((resolve) => { const stop = router.afterEach(() => { stop(); resolve() }) })
    let moved = settled(); router.back(); await moved
    expect(router.currentRoute.value.params.id).toBe('v-1')
    moved = settled(); router.back(); await moved
    expect(router.currentRoute.value.name).toBe('taps')
    moved = settled(); router.forward(); await moved
    expect(router.currentRoute.value.params.id).toBe('v-1')
  })

  it('sends an old bookmark (/visits/7) to that page of the user’s venue, query kept', async () => {
    const router = await routerFor(signedIn(me('staff', { locations: [hafen] })), '/visits/7?x=1')
    expect(router.currentRoute.value.fullPath).toBe('/v/hafen/visits/7?x=1')
  })

  it('sends an unknown page of a venue to its taps, and /v/{slug} itself too', async () => {
    expect((await routerFor(signedIn(me('staff')), '/v/mitte/nope')).currentRoute.value.fullPath).toBe('/v/mitte/taps')
    expect((await routerFor(signedIn(me('staff')), '/v/mitte')).currentRoute.value.fullPath).toBe('/v/mitte/taps')
  })

  it('leaves an unknown venue at its URL (the App shows “no such venue” there)', async () => {
    const router = await routerFor(signedIn(me('staff', { locations: [mitte] })), '/v/atlantis/kegs')
    expect(router.currentRoute.value.fullPath).toBe('/v/atlantis/kegs')
    expect(venueFor(router.currentRoute.value.params.slug, [mitte])).toBeUndefined()
  })

  it('switches venue to the same view; a visit’s page becomes the other venue’s Visits', async () => {
    const router = await routerFor(signedIn(me('staff', { locations: [mitte, hafen] })), '/v/mitte/visits/v-1')
    await router.push(sameViewIn(router.currentRoute.value, 'hafen'))
    expect(router.currentRoute.value.fullPath).toBe('/v/hafen/visits')
  })
})
