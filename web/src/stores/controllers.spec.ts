import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '../api/http'
import { fakeFetch, problem } from '../testing/fakes'
import { useControllersStore } from './controllers'

describe('controllers store: adopting by a pairing code', () => {
  beforeEach(() => setActivePinia(createPinia()))
  afterEach(() => vi.unstubAllGlobals())

  it('posts the code, name and taps and lists the adopted controller', async () => {
    const adopted = { id: 'c1', name: 'pi-tap-1', tapIds: ['t1'], hardwareId: 'tap1 (3d1219c7)', agentVersion: '1.0.0' }
    const { fn } = fakeFetch({ 'POST /api/controllers/adopt': adopted })
    const controllers = useControllersStore()
    const result = await controllers.adopt('042917', 'pi-tap-1', ['t1'])
    expect(result).toEqual(adopted)
    expect(controllers.byId.get('c1')).toMatchObject({ name: 'pi-tap-1', online: false, tapIds: ['t1'] })
    const init = fn.mock.calls[0]![1] as RequestInit
    expect(JSON.parse(init.body as string)).toEqual({ code: '042917', name: 'pi-tap-1', tapIds: ['t1'] })
  })

  it('an unknown or expired code comes back as the server\'s problem and adds nothing', async () => {
    fakeFetch({ 'POST /api/controllers/adopt': problem(404, 'pairing_code_unknown', 'No controller is waiting with this code (codes expire after 10 minutes).') })
    const controllers = useControllersStore()
    const result = await controllers.adopt('000000', 'pi-tap-1', [])
    expect(result).toBeInstanceOf(ApiError)
    expect((result as ApiError).code).toBe('pairing_code_unknown')
    expect(controllers.byId.size).toBe(0)
  })
})
