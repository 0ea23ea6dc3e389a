import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '../api/http'
import { fakeFetch, problem } from '../testing/fakes'
import { useStaffStore } from './staff'

describe('staff store', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => vi.unstubAllGlobals())

  const tess = { id: 't', login: 'tess', name: 'Tess', role: 'staff', isActive: true }
  const ada = { id: 'a', login: 'ada', name: 'Ada', role: 'admin', isActive: true }

  it('deactivates a user with a JSON POST and shows the answer', async () => {
    const { fn } = fakeFetch({ 'GET /api/staff': [ada, tess], 'GET /api/locations': [], 'POST /api/staff/t/deactivate': { ...tess, isActive: false } })
    const staff = useStaffStore()
    await staff.load()
    expect(staff.activeCount).toBe(2)
    const result = await staff.deactivate('t')
    expect(result).not.toBeInstanceOf(ApiError)
    expect(staff.users.find((u) => u.id === 't')?.isActive).toBe(false)
    expect(staff.activeCount).toBe(1)
    const init = fn.mock.calls.find(([url]) => url === '/api/staff/t/deactivate')![1] as RequestInit
    expect((init.headers as Record<string, string>)['Content-Type']).toBe('application/json')
  })

  it('a refusal leaves the list as it was', async () => {
    fakeFetch({ 'GET /api/staff': [ada], 'GET /api/locations': [], 'POST /api/staff/a/deactivate': problem(409, 'own_account', 'Admins cannot deactivate themselves.') })
    const staff = useStaffStore()
    await staff.load()
    const result = await staff.deactivate('a')
    expect(result).toBeInstanceOf(ApiError)
    expect((result as ApiError).code).toBe('own_account')
    expect(staff.users[0]!.isActive).toBe(true)
  })
})
