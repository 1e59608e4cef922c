// The enterprise's view of its applications, ratings and questionnaires: what to show and what it may do,
// decided from what the API answers. Pure: no Vue, no DOM (tested by portal/tests/applications.test.js).
import { ACTIONS, ROLES, STAGES, label } from './format.js'

export const OPEN_STAGES = ['confirmation', 'acceptance', 'routing', 'review', 'public_notice', 'objection',
  'disbursement', 'returned']
export const FINISHED_STAGES = ['completed', 'rejected']
export const SOON_HOURS = 24

export function isOpen(application) {
  return OPEN_STAGES.includes(application.stage)
}

// The due time of the stage an application is in, as a person reads it:
// {kind: 'overdue' | 'soon' | 'normal' | 'none', text, provisional}
export function dueState(application, now = new Date()) {
  const due = application.due_at
  if (!due) {
    const text = application.stage === 'confirmation' ? '等待企业确认'
      : application.stage === 'returned' ? '等待企业补正' : '—'
    return { kind: 'none', text, provisional: false }
  }
  const left = new Date(due) - now
  const kind = application.overdue || left < 0 ? 'overdue' : left <= SOON_HOURS * 3600 * 1000 ? 'soon' : 'normal'
  return { kind, text: { overdue: '逾期', soon: '临近', normal: '' }[kind], provisional: Boolean(application.provisional) }
}

// `next` reads "一窗受理窗口 / the window clerk (window_clerk)": the Chinese half
export function nextActor(application) {
  if (!application.next) return FINISHED_STAGES.includes(application.stage) ? '已办结' : '—'
  return application.next.split(' / ')[0].trim()
}

export function stageLabel(stage) {
  return stage === 'submitted' ? '已提交' : label(STAGES, stage)
}

// el-tag types per stage: the enterprise's own turn stands out
export function stageTone(stage) {
  if (stage === 'confirmation' || stage === 'returned') return 'warning'
  if (stage === 'completed') return 'success'
  if (stage === 'rejected') return 'danger'
  return 'primary'
}

// Offers waiting for the enterprise's confirmation (免申即享) come first and apart
export function offersOf(applications) {
  return applications.filter((item) => item.stage === 'confirmation')
}

// What the enterprise itself may do with its application
export function enterpriseActions(application) {
  return {
    confirm: application.stage === 'confirmation',
    resubmit: application.stage === 'returned',
    rate: FINISHED_STAGES.includes(application.stage),
  }
}

// The most recent return (退回补正): what the window asked for
export function lastReturn(application) {
  const returns = (application.history || []).filter((entry) => entry.action === 'return')
  return returns.length ? returns[returns.length - 1] : null
}

export function actorName(actor) {
  if (!actor) return '—'
  if (actor.role === 'system' || actor.id === 'system') return '平台'
  if (actor.role === 'enterprise') return '本企业'
  return label(ROLES, actor.role)
}

// The history as a timeline, newest last: {key, title, actor, at, comment, amount, tone}
export function historyEntries(application) {
  return (application.history || []).map((entry, index) => ({
    key: index,
    title: label(ACTIONS, entry.action),
    to: stageLabel(entry.to),
    actor: actorName(entry.actor),
    at: entry.at,
    comment: entry.comment || '',
    amount: entry.amount ?? null,
    tone: entry.action === 'reject' || entry.action === 'withdraw' ? 'danger'
      : entry.action === 'return' ? 'warning' : entry.to === 'completed' ? 'success' : 'primary',
  }))
}

// The stages as a timeline: each with its due time and whether it was (or is) late
export function stageEntries(application, now = new Date()) {
  return (application.timeline || []).map((entry, index) => ({
    key: index,
    tone: entry.overdue || entry.stage === 'rejected' ? 'danger'
      : !entry.completed_at && !FINISHED_STAGES.includes(entry.stage) ? 'primary' : 'success',
    stage: stageLabel(entry.stage),
    entered_at: entry.entered_at,
    due_at: entry.due_at,
    provisional: Boolean(entry.provisional),
    completed_at: entry.completed_at,
    actor: entry.completed_at ? actorName(entry.actor) : '',
    overdue: entry.overdue,
    current: !entry.completed_at && !FINISHED_STAGES.includes(entry.stage),
    soon: !entry.completed_at && !entry.overdue && Boolean(entry.due_at)
      && new Date(entry.due_at) - now <= SOON_HOURS * 3600 * 1000,
  }))
}

// The policies the enterprise may apply for (可申报的政策): redeemable matches, each with the application
// it already has open (if any); proactive ones are opened by the platform itself.
export function applicablePolicies(matches, applications) {
  const open = new Map()
  for (const application of applications) {
    if (isOpen(application) && !open.has(application.policy_id)) open.set(application.policy_id, application.id)
  }
  return matches
    .filter((match) => match.redeemable)
    .map((match) => ({
      ...match,
      openApplication: open.get(match.policy_id) ?? null,
      blockedBy: match.combinable === false ? (match.not_combinable_with || []) : [],
    }))
    .sort((a, b) => Number(a.proactive) - Number(b.proactive) || a.policy_id - b.policy_id)
}

// The pushes the enterprise may rate: each policy it was pushed (policy_matched notices) or matches now,
// once, with its title; `rated` is its current rating's stars when it has one.
export function pushChoices(notifications, matches, ratings = []) {
  const byPolicy = new Map()
  for (const notice of notifications) {
    if (notice.kind === 'policy_matched' && notice.policy_id && !byPolicy.has(notice.policy_id)) {
      byPolicy.set(notice.policy_id, { policy_id: notice.policy_id, title: notice.title, pushed_at: notice.created_at })
    }
  }
  for (const match of matches) {
    if (!byPolicy.has(match.policy_id)) {
      byPolicy.set(match.policy_id, { policy_id: match.policy_id, title: match.title, pushed_at: match.matched_at })
    }
  }
  const stars = new Map(ratings.filter((rating) => rating.subject === 'push').map((rating) => [rating.policy_id,
    rating.stars]))
  return [...byPolicy.values()].map((choice) => ({ ...choice, rated: stars.get(choice.policy_id) ?? null }))
}

export const FOLLOW_UP_STATUS = { open: '待回访', closed: '已回访' }

// A rating's follow-up (差评回访) as the enterprise reads it, or null
export function followUpOf(rating, now = new Date()) {
  const followUp = rating.follow_up
  if (!followUp) return null
  const closed = followUp.status === 'closed'
  return {
    status: label(FOLLOW_UP_STATUS, followUp.status),
    closed,
    overdue: !closed && new Date(followUp.due_at) < now,
    due_at: followUp.due_at,
    provisional: Boolean(followUp.due_provisional),
    outcome: followUp.outcome || '',
    closed_at: followUp.closed_at,
  }
}

// Rating's form: whole stars 1 to 5 and a comment of at most 1000 characters; the Chinese problem or ''
export const MAX_COMMENT = 1000
export function ratingProblem(stars, comment) {
  if (!Number.isInteger(stars) || stars < 1 || stars > 5) return '请选择 1 至 5 星'
  if ((comment || '').length > MAX_COMMENT) return `评价内容不能超过 ${MAX_COMMENT} 字`
  return ''
}

export const STAR_TEXTS = ['很不满意', '不满意', '一般', '满意', '很满意']

// The questionnaire's answers: one whole 1 to 5 per question, in order; the first unanswered (1-based) or 0
export function firstUnanswered(questions, answers) {
  for (let index = 0; index < questions.length; index += 1) {
    const answer = answers[index]
    if (!Number.isInteger(answer) || answer < 1 || answer > 5) return index + 1
  }
  return 0
}
