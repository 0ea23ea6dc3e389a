import { computed, ref, type Component } from 'vue'
import type { StaffRole } from './api/types'
import AlertsView from './views/AlertsView.vue'
import AuditView from './views/AuditView.vue'
import ControllersView from './views/ControllersView.vue'
import DeskView from './views/DeskView.vue'
import KegsView from './views/KegsView.vue'
import LostCardsView from './views/LostCardsView.vue'
import PosView from './views/PosView.vue'
import ShiftView from './views/ShiftView.vue'
import StaffView from './views/StaffView.vue'
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

/** The frame's navigation, one line per view. */
export const routes: AppRoute[] = [
  { path: '/taps', title: 'Taps', key: '1', minRole: 'staff', component: TapsView },
  { path: '/desk', title: 'Desk', key: '2', minRole: 'staff', component: DeskView },
  { path: '/visits', title: 'Visits', key: '3', minRole: 'staff', component: VisitsView },
  { path: '/kegs', title: 'Kegs', key: '4', minRole: 'staff', component: KegsView },
  { path: '/alerts', title: 'Alerts', key: '5', minRole: 'staff', component: AlertsView },
  { path: '/shift', title: 'Shift', key: '6', minRole: 'staff', component: ShiftView },
  { path: '/sync', title: 'Sync', key: '7', minRole: 'staff', component: SyncView },
  { path: '/lost-cards', title: 'Lost cards', key: '8', minRole: 'staff', component: LostCardsView },
  { path: '/pos', title: 'POS', key: '9', minRole: 'staff', component: PosView },
  { path: '/controllers', title: 'Controllers', key: '0', minRole: 'staff', component: ControllersView },
  { path: '/audit', title: 'Audit', key: 'a', minRole: 'manager', component: AuditView },
  { path: '/staff', title: 'Staff', key: 's', minRole: 'admin', component: StaffView },
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
