// 告警通知: a staff member's contacts from GET /me and back, checked in Chinese; its deliveries in Chinese.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { contactsBody, contactsForm, contactsProblems, deliveryRows } from '../src/staffAlarms.js'

test('the form starts from the account and an emptied field clears it', () => {
  const form = contactsForm({ id: 'staff-3', phone: '13812341234' })
  assert.deepEqual(form, { phone: '13812341234', email: '' })
  assert.deepEqual(contactsBody({ phone: ' 13812341234 ', email: '  ' }), { phone: '13812341234', email: null })
  assert.deepEqual(contactsForm(null), { phone: '', email: '' })
})

test('a phone that is not a mobile number and a malformed e-mail are named in Chinese', () => {
  assert.deepEqual(contactsProblems({ phone: '13812341234', email: 'a@b.cn' }), {})
  assert.deepEqual(contactsProblems({ phone: '', email: '' }), {})
  const problems = contactsProblems({ phone: '12345', email: 'not-an-address' })
  assert.deepEqual(Object.keys(problems).sort(), ['email', 'phone'])
  assert.match(problems.phone, /手机号码/)
  assert.match(problems.email, /电子邮箱/)
})

test('deliveries are written in Chinese, sent ones at their sending time', () => {
  const [sent, failed] = deliveryRows([
    { id: 2, channel: 'sms', recipient: '13812341234', text: '【惠企平台】预警：…', status: 'sent', reason: null,
      created_at: '2026-12-07T02:00:00+00:00', sent_at: '2026-12-07T02:00:05+00:00' },
    { id: 1, channel: 'email', recipient: 'a@b.cn', text: 'x', status: 'failed', reason: '服务商拒收',
      created_at: '2026-12-06T02:00:00+00:00', sent_at: null },
  ])
  assert.equal(sent.channel, '短信')
  assert.equal(sent.status, '已发送')
  assert.match(sent.at, /2026\/12\/07 10:00/)
  assert.equal(failed.channel, '电子邮件')
  assert.equal(failed.status, '发送失败')
  assert.equal(failed.reason, '服务商拒收')
  assert.deepEqual(deliveryRows(undefined), [])
})
