// 告警通知: where a staff member's alarms reach it (its own phone and e-mail, PUT /staff/{id}/contacts) and what
// was sent to it (GET /staff/{id}/deliveries), docs/api.md. The platform checks every rule again; these only
// keep the form from sending what it would refuse, and write the deliveries in Chinese.
import { formatDateTime, label } from './format.js'
import { CHANNEL_NAMES } from './notificationPrefs.js'

export const DELIVERY_STATUSES = { queued: '待发送', deferred: '暂缓发送', sent: '已发送', failed: '发送失败' }
const MOBILE = /^1\d{10}$/
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/

// the account (GET /me) -> the form
export function contactsForm(account) {
  return { phone: account?.phone || '', email: account?.email || '' }
}

// the form -> the PUT body: an empty field clears it (null)
export function contactsBody(form) {
  const given = (value) => (value || '').trim() || null
  return { phone: given(form.phone), email: given(form.email) }
}

// what is wrong with the form, field by field, in Chinese (empty: nothing)
export function contactsProblems(form) {
  const body = contactsBody(form)
  const problems = {}
  if (body.phone && !MOBILE.test(body.phone)) problems.phone = '请输入11位手机号码，如 13812341234'
  if (body.email && (body.email.length > 254 || !EMAIL.test(body.email))) problems.email = '请输入正确的电子邮箱，如 name@example.gov.cn'
  return problems
}

// the deliveries as the table shows them
export function deliveryRows(items) {
  return (items || []).map((item) => ({
    id: item.id,
    channel: label(CHANNEL_NAMES, item.channel),
    recipient: item.recipient,
    text: item.text,
    status: label(DELIVERY_STATUSES, item.status),
    reason: item.reason || '',
    at: formatDateTime(item.sent_at || item.created_at),
  }))
}
