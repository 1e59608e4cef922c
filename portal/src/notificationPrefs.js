// 通知设置: an enterprise's notification preferences as the API gives them (docs/api.md,
// GET/PUT /enterprises/{uscc}/notification-preferences), as the dialog's form, and back. The platform
// checks every rule again; these only keep the form from sending what it would refuse.
import { NOTICE_KINDS } from './format.js'

export const CHANNELS = ['in_app', 'sms', 'email', 'wechat']
export const CHANNEL_NAMES = { in_app: '站内消息', sms: '短信', email: '电子邮件', wechat: '企业微信' }
export const DIGESTS = [
  { value: 'immediate', label: '逐条通知', hint: '每条消息到达时即通知' },
  { value: 'daily', label: '每日汇总', hint: '每天 9:00 汇总一次新匹配的政策' },
]
export const UNAVAILABLE = '未开通'
export const DEFAULT_QUIET_HOURS = ['21:00', '08:00']
const CLOCK = /^([01][0-9]|2[0-3]):[0-5][0-9]$/

// {kinds, quiet_hours, digest, channels_available} -> the form: per kind, a flag per channel
export function formOf(answer) {
  const kinds = {}
  for (const [kind, channels] of Object.entries(answer.kinds || {})) {
    kinds[kind] = Object.fromEntries(CHANNELS.map((channel) => [channel, channel === 'in_app' || channels.includes(channel)]))
  }
  const [quietStart, quietEnd] = answer.quiet_hours || DEFAULT_QUIET_HOURS
  return { kinds, quietStart, quietEnd, digest: answer.digest || 'immediate' }
}

// the form -> the PUT body
export function bodyOf(form) {
  const kinds = {}
  for (const [kind, flags] of Object.entries(form.kinds)) {
    kinds[kind] = CHANNELS.filter((channel) => channel === 'in_app' || flags[channel])
  }
  return { kinds, quiet_hours: [form.quietStart, form.quietEnd], digest: form.digest }
}

// the kinds in the order the platform lists them, each with its Chinese name
export function kindRows(answer) {
  return Object.keys(answer.kinds || {}).map((kind) => ({ kind, name: NOTICE_KINDS[kind] || kind }))
}

// whether a channel can deliver now; in_app always can
export function isAvailable(answer, channel) {
  return channel === 'in_app' || Boolean(answer.channels_available && answer.channels_available[channel])
}

// what is wrong with the quiet hours, in Chinese; '' when nothing is
export function quietProblem(start, end) {
  if (!start || !end) return '请选择免打扰时段的开始和结束时间'
  if (!CLOCK.test(start) || !CLOCK.test(end)) return '免打扰时段的时间格式应为“时:分”，如 21:00'
  if (start === end) return '免打扰时段的开始和结束时间不能相同'
  return ''
}

// 21:00 to 08:00 -> 每天 21:00 至次日 08:00
export function quietText(start, end) {
  return start < end ? `每天 ${start} 至 ${end}` : `每天 ${start} 至次日 ${end}`
}

// the fields a refusal names (e.g. ['kinds.survey.1', 'quiet_hours.0']) as what a person can find in the form
export function fieldNames(fields) {
  const names = []
  for (const field of fields || []) {
    const [head, kind] = field.split('.')
    let name = '通知设置'
    if (head === 'kinds') name = kind ? `“${NOTICE_KINDS[kind] || kind}”的通知方式` : '通知方式'
    else if (head === 'quiet_hours') name = '免打扰时段'
    else if (head === 'digest') name = '通知频率'
    if (!names.includes(name)) names.push(name)
  }
  return names
}

// a refused save, in Chinese: {status, fields} of the ApiError, and `fallback` (the portal's general wording)
export function saveError({ status, fields }, fallback) {
  if (status === 403) return '只能修改本企业的通知设置'
  const names = fieldNames(fields)
  if ((status === 422 || status === 400) && names.length) return `${names.join('、')}有误，请检查后重试`
  return fallback
}
