import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { ApiError, http, onUnauthenticated, toApiError } from '../api/http'
import type { StaffRole, StaffUserDto } from '../api/types'

const rank: Record<StaffRole, number> = { staff: 0, manager: 1, admin: 2 }

export const useSessionStore = defineStore('session', () => {
  const user = ref<StaffUserDto | null>(null)
  /** unknown until GET /api/auth/me answered once. */
  const status = ref<'unknown' | 'signed_out' | 'signed_in'>('unknown')
  const error = ref<ApiError | null>(null)
  const busy = ref(false)

  const role = computed(() => user.value?.role ?? null)

  /** Whether the signed-in user's role is at least `minimum` (the server checks again on every request). */
  function can(minimum: StaffRole): boolean {
    return user.value !== null && rank[user.value.role] >= rank[minimum]
  }

  async function check() {
    try {
      user.value = await http.get<StaffUserDto>('/api/auth/me')
      status.value = 'signed_in'
      error.value = null
    } catch (e) {
      const err = toApiError(e)
      user.value = null
      status.value = 'signed_out'
      error.value = err.status === 401 ? null : err
    }
  }

  async function signIn(login: string, password: string): Promise<boolean> {
    busy.value = true
    error.value = null
    try {
      user.value = await http.post<StaffUserDto>('/api/auth/login', { login, password })
      status.value = 'signed_in'
      return true
    } catch (e) {
      error.value = toApiError(e)
      return false
    } finally {
      busy.value = false
    }
  }

  async function signOut() {
    try {
      await http.post('/api/auth/logout')
    } catch {
      // Signed out locally either way.
    }
    user.value = null
    status.value = 'signed_out'
  }

  function expired() {
    if (status.value !== 'signed_in') return
    user.value = null
    status.value = 'signed_out'
    error.value = new ApiError(401, 'unauthenticated', 'Your session ended. Please sign in again.')
  }

  onUnauthenticated(expired)

  return { user, status, error, busy, role, can, check, signIn, signOut, expired }
})
