import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fakeFetch, problem } from '../testing/fakes'
import { useSessionStore } from '../stores/session'
import { retryForever } from './hub'
import { ApiError, http, withVenue, workAt } from './http'

describe('http', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => vi.unstubAllGlobals())

  it('turns problem details into an ApiError with the stable code and the field errors', async () => {
    fakeFetch({
      'POST /api/visits/v/top-up': new Response(
        JSON.stringify({ status: 400, code: 'validation_failed', title: 'The request is not valid.', errors: { amount: ['Must be positive.'] } }),
        { status: 400, headers: { 'Content-Type': 'application/problem+json' } },
      ),
    })
    const error = (await http.post('/api/visits/v/top-up', { amount: -1 }).catch((e: unknown) => e)) as ApiError
    expect(error).toBeInstanceOf(ApiError)
    expect([error.status, error.code, error.text]).toEqual([400, 'validation_failed', 'amount: Must be positive.'])
  })

  it('sends every unsafe request as JSON, {} when it has no body, and a GET without a body', async () => {
    const { fn } = fakeFetch({ 'POST /api/kegs/k/empty': {}, 'DELETE /api/x': {}, 'GET /api/taps': [] })
    await http.post('/api/kegs/k/empty')
    await http.delete('/api/x')
    await http.get('/api/taps')
    const [post, del, get] = fn.mock.calls.map((c) => c[1] as RequestInit)
    for (const init of [post!, del!]) {
      expect((init.headers as Record<string, string>)['Content-Type']).toBe('application/json')
      expect(init.body).toBe('{}')
    }
    expect((get!.headers as Record<string, string>)['Content-Type']).toBeUndefined()
    expect(get!.body).toBeUndefined()
  })

  it('a 401 on any request ends the session, so the sign-in page comes back', async () => {
    fakeFetch({ 'GET /api/taps': problem(401, 'unauthenticated') })
    const session = useSessionStore()
    session.$patch({ status: 'signed_in', user: { id: 'u', login: 'tess', name: 'Tess', role: 'staff' } })
    await http.get('/api/taps').catch(() => undefined)
    expect(session.status).toBe('signed_out')
    expect(session.error?.code).toBe('unauthenticated')
  })

  it('a wrong password does not count as an ended session', async () => {
    fakeFetch({ 'POST /api/auth/login': problem(401, 'invalid_credentials', 'Wrong login or password.') })
    const session = useSessionStore()
    expect(await session.signIn('tess', 'nope')).toBe(false)
    expect(session.error?.code).toBe('invalid_credentials')
  })
})

describe('withVenue', () => {
  afterEach(() => workAt(null))

  it('adds the URL’s venue to the venue’s routes, after a query too', () => {
    workAt('loc-1')
    expect(withVenue('/api/taps')).toBe('/api/taps?locationId=loc-1')
    expect(withVenue('/api/visits?status=active')).toBe('/api/visits?status=active&locationId=loc-1')
    expect(withVenue('/api/beer-types')).toBe('/api/beer-types?locationId=loc-1')
  })

  it('leaves the chain’s and the user’s own routes alone, and never adds it twice', () => {
    workAt('loc 2')
    for (const path of ['/api/auth/me', '/api/auth/login', '/api/locations', '/api/locations/loc-1/prices/b', '/api/chain/overview',
      '/api/reports/chain?from=a&to=b', '/api/reports/chain.csv?from=a&to=b', '/api/staff', '/api/staff/u/locations']) {
      expect(withVenue(path)).toBe(path)
    }
    expect(withVenue('/api/taps?locationId=other')).toBe('/api/taps?locationId=other')
    expect(withVenue('/api/kegs?status=warehouse&locationId=x')).toBe('/api/kegs?status=warehouse&locationId=x')
    expect(withVenue('/api/kegs')).toBe('/api/kegs?locationId=loc%202')
  })

  it('adds nothing before a venue is open, nor outside /api', () => {
    workAt(null)
    expect(withVenue('/api/taps')).toBe('/api/taps')
    workAt('loc-1')
    expect(withVenue('/hubs/dashboard')).toBe('/hubs/dashboard')
  })
})

describe('hub retry policy', () => {
  it('never gives up: quick at first, then every 10 s', () => {
    const delays = [0, 1, 2, 3, 4, 10, 1000].map((n) => retryForever.nextRetryDelayInMilliseconds({ previousRetryCount: n, elapsedMilliseconds: n * 10000, retryReason: new Error('x') }))
    expect(delays).toEqual([0, 1000, 2000, 5000, 10000, 10000, 10000])
  })
})
