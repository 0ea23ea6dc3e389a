// TypeScript mirrors of shared-contracts/TapRoom.Contracts (the single source). Enum values are snake_case strings,
// times ISO-8601 UTC strings, money JSON numbers, volumes whole millilitres. Optional fields are omitted when null.

export type TapStatus = 'active' | 'locked' | 'cleaning' | 'processing_sync' | 'out_of_keg'
export type KegStatus = 'warehouse' | 'connected' | 'empty' | 'returned'
export type VisitStatus = 'active' | 'closed'
export type SyncStatus = 'pending_sync' | 'synced' | 'reconciled'
export type AlertSeverity = 'info' | 'warning' | 'critical'
export type AlertStatus = 'open' | 'acknowledged' | 'resolved'
export type ShiftStatus = 'open' | 'closed'
export type StaffRole = 'staff' | 'manager' | 'admin'
export type IssueCardStage = 'bound' | 'already_bound' | 'assigned'

export interface StaffUserDto {
  id: string
  login: string
  name: string
  role: StaffRole
}

export interface ActivePourDto {
  pourSessionId: string
  visitId: string
  guestName: string
  volumeMl: number
  maxVolumeMl: number
  startedAt: string
}

export interface TapDto {
  id: string
  number: number
  name: string
  status: TapStatus
  kegId?: string | null
  controllerId?: string | null
  controllerOnline: boolean
  beerName?: string | null
  kegRemainingMl?: number | null
  kegNominalMl?: number | null
  activePour?: ActivePourDto | null
}

export interface KegDto {
  id: string
  beerTypeId: string
  beerName: string
  status: KegStatus
  nominalVolumeMl: number
  remainingVolumeMl: number
  receivedAt?: string | null
  connectedAt?: string | null
  disconnectedAt?: string | null
  tapId?: string | null
  createdAt: string
}

export interface VisitSummaryDto {
  id: string
  guestId: string
  guestName: string
  cardId?: string | null
  cardUid?: string | null
  status: VisitStatus
  isMinor: boolean
  balance: number
  pouredVolumeMl: number
  volumeLimitMl: number
  activeTapId?: string | null
  lockSetAt?: string | null
  openedAt: string
  closedAt?: string | null
}

/** A pour as listed with a visit (GET /api/visits/{id}); fields the server does not send stay undefined. */
export interface VisitPourDto {
  id: string
  tapId: string
  tapName?: string
  volumeMl?: number | null
  chargedAmount?: number
  syncStatus: SyncStatus
  authorizedAt?: string
  startedAt?: string | null
  endedAt?: string | null
}

export interface VisitDetailDto extends VisitSummaryDto {
  pours?: VisitPourDto[]
}

export interface AlertDto {
  id: string
  type: string
  severity: AlertSeverity
  status: AlertStatus
  subjectType: string
  subjectId?: string | null
  message: string
  raisedAt: string
  lastRaisedAt: string
  occurrenceCount: number
  acknowledgedAt?: string | null
  acknowledgedBy?: string | null
  acknowledgeComment?: string | null
  resolvedAt?: string | null
  resolvedBy?: string | null
  resolveComment?: string | null
}

export interface ShiftMemberDto {
  staffUserId: string
  name: string
  role: StaffRole
  joinedAt: string
  leftAt?: string | null
}

export interface ShiftDto {
  id: string
  status: ShiftStatus
  openedAt: string
  openedBy: string
  closedAt?: string | null
  closedBy?: string | null
  members: ShiftMemberDto[]
}

export interface ControllerStatusDto {
  id: string
  name: string
  online: boolean
  lastSeenAt?: string | null
  agentVersion?: string | null
  tapIds: string[]
}

export interface RegisteredControllerDto {
  id: string
  name: string
  apiKey: string
  tapIds: string[]
}

export interface PendingSyncPourDto {
  pourSessionId: string
  tapId: string
  tapName: string
  visitId: string
  guestName: string
  volumeMl: number
  maxVolumeMl: number
  authorizedAt: string
  startedAt?: string | null
  lastProgressAt?: string | null
  timedOutAt?: string | null
}

export interface PendingSyncDto {
  pendingSyncCount: number
  pours: PendingSyncPourDto[]
}

export interface GuestDto {
  id: string
  name: string
  dateOfBirth?: string | null
  phone?: string | null
  email?: string | null
  status?: 'active' | 'blocked'
}

export interface OpenVisitResultDto {
  visitId: string
  stage: IssueCardStage
}

export interface AuditEventDto {
  id: number
  at: string
  actorType: string
  actorName: string
  action: string
  subjectType: string
  subjectId?: string | null
  details?: unknown
  detailsJson?: string
}

// ---- Dashboard hub pushes (IDashboardClient) ----

export interface PourProgressPush {
  pourSessionId: string
  tapId: string
  visitId: string
  volumeMl: number
  at: string
}

export interface SyncQueueChangedMessage {
  pendingSyncCount: number
}

export interface CardPresentedMessage {
  readerId: string
  cardUid: string
  at: string
}

export interface CardRemovedMessage {
  readerId: string
  at: string
}

/** Every push the dashboard hub sends, by method name. */
export interface DashboardPushes {
  TapUpdated: TapDto
  PourProgress: PourProgressPush
  AlertRaised: AlertDto
  AlertUpdated: AlertDto
  VisitUpdated: VisitSummaryDto
  KegUpdated: KegDto
  ShiftUpdated: ShiftDto
  ControllerStatusChanged: ControllerStatusDto
  SyncQueueChanged: SyncQueueChangedMessage
  CardRead: CardPresentedMessage
  CardRemoved: CardRemovedMessage
}

export const dashboardPushNames: (keyof DashboardPushes)[] = [
  'TapUpdated', 'PourProgress', 'AlertRaised', 'AlertUpdated', 'VisitUpdated', 'KegUpdated', 'ShiftUpdated',
  'ControllerStatusChanged', 'SyncQueueChanged', 'CardRead', 'CardRemoved',
]

export interface ProblemDetails {
  type?: string
  title?: string
  status?: number
  detail?: string
  code?: string
  errors?: Record<string, string[]>
}
