import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { ApiError, http, onUnauthenticated, toApiError } from '../api/http'
import type { CurrentUserDto, LocationRefDto, StaffRole } from '../api/types'

const rank: Record<StaffRole, number> = { staff: 0, manager: 1, admin: 2 }

export const useSessionStore = defineStore('session', () => {
  const user = ref<CurrentUserDto | null>(null)
  /** unknown until GET /api/auth/me answered once. */
  const status = ref<'unknown' | 'signed_out' | 'signed_in'>('unknown')
  const error = ref<ApiError | null>(null)
  const busy = ref(false)

  const role = computed(() => user.value?.role ?? null)
  /** The venues the user may open, oldest first (the first is where `/` goes). */
  const locations = computed<LocationRefDto[]>(() => user.value?.locations ?? [])

  /** Whether the signed-in user's role is at least `minimum` (the server checks again on every request). */
  function can(minimum: StaffRole): boolean {
    return user.value !== null && rank[user.value.role] >= rank[minimum]
  }

  async function check() {
    try {
      user.value = await http.get<CurrentUserDto>('/api/auth/me')
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
      user.value = await http.post<CurrentUserDto>('/api/auth/login', { login, password })
      status.value = 'signed_in'
      return true
    } catch (e) {
      error.value = toApiError(e)
      return false
    } finally {
      busy.value = false
    }
  }

  /** Ends this browser's session; the user's other browsers stay signed in. */
  async function signOut() {
    await end('/api/auth/logout')
  }

  /** Ends every session of the user, in every browser (as a password change does). */
  async function signOutEverywhere() {
    await end('/api/auth/logout-everywhere')
  }

  async function end(route: string) {
    try {
      await http.post(route)
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

  return { user, status, error, busy, role, locations, can, check, signIn, signOut, signOutEverywhere, expired }
})
