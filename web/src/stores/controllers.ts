import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { ApiError, currentVenueId, http, toApiError } from '../api/http'
import type { AdoptedControllerDto, ControllerStatusDto, RegisteredControllerDto } from '../api/types'
import { useLiveLoad } from './liveLoad'

export const useControllersStore = defineStore('controllers', () => {
  const byId = ref(new Map<string, ControllerStatusDto>())
  const live = useLiveLoad()

  const list = computed(() => [...byId.value.values()].sort((a, b) => a.name.localeCompare(b.name)))
  const offlineCount = computed(() => list.value.filter((c) => !c.online).length)

  function load() {
    return live.load(
      () => http.get<ControllerStatusDto[]>('/api/controllers'),
      (controllers) => {
        byId.value = new Map(controllers.map((c) => [c.id, c]))
      },
    )
  }

  function ensureLoaded() {
    if (live.status.value === 'idle') void load()
  }

  function applyStatus(c: ControllerStatusDto) {
    const existing = byId.value.get(c.id)
    // Last seen only moves forward: an older heartbeat's push is stale.
    if (existing?.lastSeenAt && c.lastSeenAt && c.lastSeenAt < existing.lastSeenAt) return
    byId.value.set(c.id, c)
  }

  async function register(name: string, tapIds: string[]): Promise<RegisteredControllerDto | ApiError> {
    try {
      const created = await http.post<RegisteredControllerDto>('/api/controllers', { name, tapIds })
      if (!byId.value.has(created.id)) byId.value.set(created.id, { id: created.id, name: created.name, online: false, tapIds: created.tapIds, locationId: currentVenueId() ?? '' })
      return created
    } catch (e) {
      return toApiError(e)
    }
  }

  /** Adopts the controller showing this pairing code (POST /api/controllers/adopt): it gets its own key on its next poll. */
  async function adopt(code: string, name: string, tapIds: string[]): Promise<AdoptedControllerDto | ApiError> {
    try {
      const adopted = await http.post<AdoptedControllerDto>('/api/controllers/adopt', { code, name, tapIds })
      if (!byId.value.has(adopted.id)) byId.value.set(adopted.id, { id: adopted.id, name: adopted.name, online: false, tapIds: adopted.tapIds, locationId: currentVenueId() ?? '' })
      return adopted
    } catch (e) {
      return toApiError(e)
    }
  }

  /** Revokes the controller's key: its connection is dropped and it is refused from now on (POST /api/controllers/{id}/revoke). */
  async function revoke(id: string): Promise<true | ApiError> {
    try {
      await http.post(`/api/controllers/${id}/revoke`)
      await load()
      return true
    } catch (e) {
      return toApiError(e)
    }
  }

  return {
    byId, list, offlineCount, revoke, status: live.status, error: live.error, refreshing: live.refreshing,
    load, ensureLoaded, register, adopt,
    onControllerStatusChanged: (c: ControllerStatusDto) => live.push(() => applyStatus(c)),
  }
})
