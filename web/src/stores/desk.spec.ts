import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '../api/http'
import { fakeFetch, problem } from '../testing/fakes'
import { explainIssueCardError, useDeskStore } from './desk'

describe('desk store', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => vi.unstubAllGlobals())

  it('keeps the newest card read and ignores a late older one', () => {
    const desk = useDeskStore()
    desk.onCardRead({ readerId: 'desk', cardUid: '04BB', at: '2026-11-21T18:00:02Z' })
    desk.onCardRead({ readerId: 'desk', cardUid: '04AA', at: '2026-11-21T18:00:01Z' })
    expect(desk.lastRead?.cardUid).toBe('04BB')
    expect(desk.cardOnReader).toBe(true)
  })

  it('marks the card removed, but not for a removal older than the read', () => {
    const desk = useDeskStore()
    desk.onCardRead({ readerId: 'desk', cardUid: '04BB', at: '2026-11-21T18:00:02Z' })
    desk.onCardRemoved({ readerId: 'desk', at: '2026-11-21T18:00:01Z' })
    expect(desk.cardOnReader).toBe(true)
    desk.onCardRemoved({ readerId: 'desk', at: '2026-11-21T18:00:03Z' })
    expect(desk.cardOnReader).toBe(false)
    expect(desk.lastRead?.cardUid).toBe('04BB')
  })

  it('reuses the idempotency key when the same open is retried after a network error', async () => {
    let attempt = 0
    const keys: string[] = []
    fakeFetch({
      'POST /api/visits/open-and-assign-card': (_url: string, init?: RequestInit) => {
        keys.push(JSON.parse(String(init!.body)).idempotencyKey)
        if (attempt++ === 0) throw new TypeError('Failed to fetch')
        return { visitId: 'v1', stage: 'bound' }
      },
    })
    const desk = useDeskStore()
    const first = await desk.openVisitAndIssueCard('g1', '04AA')
    expect(first).toBeInstanceOf(ApiError)
    expect((first as ApiError).code).toBe('network_error')
    const second = await desk.openVisitAndIssueCard('g1', '04AA')
    expect(second).toEqual({ visitId: 'v1', stage: 'bound' })
    expect(keys[0]).toBe(keys[1])
  })

  it('explains each conflict in plain words', async () => {
    fakeFetch({ 'POST /api/visits/open-and-assign-card': problem(409, 'card_lost', 'Card 04AA is reported lost.') })
    const desk = useDeskStore()
    const result = (await desk.openVisitAndIssueCard('g1', '04AA')) as ApiError
    expect(result.code).toBe('card_lost')
    expect(explainIssueCardError(result)).toMatch(/reported lost/)
    expect(result.text).toBe('Card 04AA is reported lost.')
  })
})
