import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { ApiError, http, toApiError } from '../api/http'
import type { StaffUserDto } from '../api/types'
import { useLiveLoad } from './liveLoad'

/** Staff users (admins only): the list, and deactivating a user, which ends their sessions at once. */
export const useStaffStore = defineStore('staff', () => {
  const users = ref<StaffUserDto[]>([])
  const live = useLiveLoad()

  const activeCount = computed(() => users.value.filter((u) => u.isActive !== false).length)

  function load() {
    return live.load(
      () => http.get<StaffUserDto[]>('/api/staff'),
      (list) => {
        users.value = list
      },
    )
  }

  async function deactivate(id: string): Promise<StaffUserDto | ApiError> {
    try {
      const updated = await http.post<StaffUserDto>(`/api/staff/${id}/deactivate`)
      users.value = users.value.map((u) => (u.id === id ? updated : u))
      return updated
    } catch (e) {
      return toApiError(e)
    }
  }

  return { users, activeCount, status: live.status, error: live.error, load, deactivate }
})
