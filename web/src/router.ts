import { computed, ref, type Component } from 'vue'
import type { StaffRole } from './api/types'
import AlertsView from './views/AlertsView.vue'
import AuditView from './views/AuditView.vue'
import ControllersView from './views/ControllersView.vue'
import DeskView from './views/DeskView.vue'
import SyncView from './views/SyncView.vue'
import TapsView from './views/TapsView.vue'
import VisitsView from './views/VisitsView.vue'

export interface AppRoute {
  path: string
  title: string
  /** Key shown in the navigation (Alt+key jumps there). */
  key: string
  minRole: StaffRole
  component: Component
}

/** The frame's navigation. Later views (Kegs, Lost cards, Shift, POS) are added here with one line each. */
export const routes: AppRoute[] = [
  { path: '/taps', title: 'Taps', key: '1', minRole: 'staff', component: TapsView },
  { path: '/desk', title: 'Desk', key: '2', minRole: 'staff', component: DeskView },
  { path: '/visits', title: 'Visits', key: '3', minRole: 'staff', component: VisitsView },
  { path: '/alerts', title: 'Alerts', key: '4', minRole: 'staff', component: AlertsView },
  { path: '/sync', title: 'Sync', key: '5', minRole: 'staff', component: SyncView },
  { path: '/audit', title: 'Audit', key: '6', minRole: 'manager', component: AuditView },
  { path: '/controllers', title: 'Controllers', key: '7', minRole: 'staff', component: ControllersView },
]

const path = ref(typeof window === 'undefined' ? '/taps' : window.location.pathname)

if (typeof window !== 'undefined') {
  window.addEventListener('popstate', () => {
    path.value = window.location.pathname
  })
}

export function navigate(to: string) {
  const [pathname] = to.split('?')
  if (to === path.value) return
  window.history.pushState({}, '', to)
  path.value = pathname!
}

export function useRoute() {
  return computed(() => routeFor(path.value) ?? routes[0]!)
}

/** The route for a path; a deeper path (/visits/<id>) belongs to its view. */
export function routeFor(p: string): AppRoute | undefined {
  return routes.find((r) => r.path === p || p.startsWith(r.path + '/'))
}

export const currentPath = path
