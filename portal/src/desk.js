// The staff desk's words and links that are not pages: what an alarm says and where it leads, what a batch
// action did to each application. Pure (no Vue, no API), tested by portal/tests/desk.test.js.
import { ACTIONS, STAGES, label } from './format.js'

// the alarm in one Chinese line
export function alarmText(alarm) {
  switch (alarm.kind) {
    case 'overdue':
      return `申报 #${alarm.application_id}「${label(STAGES, alarm.stage)}」环节已超期`
    case 'escalation':
      return `申报 #${alarm.application_id}「${label(STAGES, alarm.stage)}」环节超期未办，已升级至市级`
    case 'follow_up_overdue':
      return `差评回访 #${alarm.follow_up_id} 已超过回访期限`
    case 'rectification_overdue':
      return `整改事项 #${alarm.rectification_id} 已超过整改期限`
    case 'question_overdue':
      return `政策咨询${alarm.question_id ? ` #${alarm.question_id}` : ''} 超期未答复`
    case 'problem_unanswered':
      return `金融辅导问题${alarm.problem_id ? ` #${alarm.problem_id}` : ''} 超过 24 小时未答复`
    default:
      return `预警 #${alarm.id}`
  }
}

// where the item an alarm is about is worked on
export function alarmLink(alarm) {
  if (alarm.application_id) return `/staff/applications/${alarm.application_id}`
  if (alarm.rectification_id) return `/staff/rectifications/${alarm.rectification_id}`
  if (alarm.follow_up_id) return { path: '/staff/follow-ups', query: { id: String(alarm.follow_up_id) } }
  if (alarm.kind === 'question_overdue') return { path: '/staff/questions', query: { overdue: 'true' } }
  return '/staff/alarms'
}

// Actions that need a written reason (the enterprise reads why it was sent back or refused).
export const NEEDS_REASON = new Set(['return', 'reject'])

// The batch actions a queue offers: 批量受理 at the window, 批量审批/拨付 in the department.
export const BATCH_ACTIONS = [
  { action: 'accept', label: '批量受理', stages: ['acceptance'] },
  { action: 'approve', label: '批量审批通过', stages: ['review', 'objection'] },
  { action: 'return', label: '批量退回补正', stages: ['acceptance', 'review'] },
  { action: 'reject', label: '批量不予通过', stages: ['review', 'objection'] },
  { action: 'disburse', label: '批量拨付', stages: ['disbursement'] },
]

// What a batch did, from POST /applications/actions' answer: a summary line and one row per application.
export function batchOutcome(answer, titles = {}) {
  const rows = (answer.results || []).map((result) => ({
    id: result.id,
    title: titles[result.id] || '',
    ok: result.ok,
    text: result.ok
      ? `已${label(ACTIONS, answer.action)}，现处于「${label(STAGES, result.status)}」`
      : refusalText(result.error),
  }))
  const summary = `${label(ACTIONS, answer.action)}：成功 ${answer.done} 件，未成功 ${answer.refused} 件`
  return { summary, rows }
}

const REFUSALS = {
  conflict: '当前环节不能进行此操作',
  forbidden: '无权对该申报进行此操作',
  not_found: '申报不存在',
  invalid: '填写的内容有误',
}

// a refusal from the platform, in Chinese: its own words when they are Chinese, else by its code
export function refusalText(error) {
  if (!error) return '未成功'
  if (/[\u4e00-\u9fff]/.test(error.message || '')) return error.message
  const stage = /stage (\w+)/.exec(error.message || '')
  const base = REFUSALS[error.code] || '未成功'
  if (error.code === 'conflict' && /budget/i.test(error.message || '')) return '超出政策剩余预算'
  return stage && STAGES[stage[1]] ? `${base}（当前环节：${STAGES[stage[1]]}）` : base
}
