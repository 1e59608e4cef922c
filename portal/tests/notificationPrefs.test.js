// 通知设置: the form from the API's answer and back, the quiet hours, and refusals in Chinese.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  bodyOf, fieldNames, formOf, isAvailable, kindRows, quietProblem, quietText, saveError,
} from '../src/notificationPrefs.js'

const ANSWER = {
  uscc: '913716024JURQ28300',
  kinds: { policy_matched: ['in_app', 'sms'], survey: ['in_app'] },
  quiet_hours: ['22:00', '07:30'],
  digest: 'daily',
  channels_available: { in_app: true, sms: true, email: false, wechat: false },
  updated_at: null,
}

test('the form has a flag per kind and channel, the inbox always on', () => {
  const form = formOf(ANSWER)
  assert.deepEqual(form.kinds.policy_matched, { in_app: true, sms: true, email: false, wechat: false })
  assert.deepEqual(form.kinds.survey, { in_app: true, sms: false, email: false, wechat: false })
  assert.deepEqual([form.quietStart, form.quietEnd, form.digest], ['22:00', '07:30', 'daily'])
})

test('the body is what the API takes, in_app kept even if unticked', () => {
  const form = formOf(ANSWER)
  form.kinds.survey.email = true
  form.kinds.policy_matched.in_app = false
  assert.deepEqual(bodyOf(form), {
    kinds: { policy_matched: ['in_app', 'sms'], survey: ['in_app', 'email'] },
    quiet_hours: ['22:00', '07:30'],
    digest: 'daily',
  })
})

test('the defaults when an answer leaves the times or digest out', () => {
  const form = formOf({ kinds: {} })
  assert.deepEqual([form.quietStart, form.quietEnd, form.digest], ['21:00', '08:00', 'immediate'])
})

test('kinds are named in Chinese, in the order the platform lists them', () => {
  assert.deepEqual(kindRows(ANSWER), [{ kind: 'policy_matched', name: '政策推送' }, { kind: 'survey', name: '问卷邀请' }])
})

test('a channel is available only as the platform says; the inbox always', () => {
  assert.equal(isAvailable(ANSWER, 'sms'), true)
  assert.equal(isAvailable(ANSWER, 'email'), false)
  assert.equal(isAvailable({}, 'in_app'), true)
  assert.equal(isAvailable({}, 'wechat'), false)
})

test('quiet hours need two different times of day', () => {
  assert.equal(quietProblem('21:00', '08:00'), '')
  assert.match(quietProblem('', '08:00'), /请选择/)
  assert.match(quietProblem('21:00', '21:00'), /不能相同/)
  assert.match(quietProblem('24:00', '08:00'), /格式/)
  assert.equal(quietText('21:00', '08:00'), '每天 21:00 至次日 08:00')
  assert.equal(quietText('12:00', '14:00'), '每天 12:00 至 14:00')
})

test('a refusal names the parts of the form at fault, in Chinese', () => {
  assert.deepEqual(fieldNames(['kinds.survey.1', 'quiet_hours.0', 'quiet_hours.1', 'digest']),
    ['“问卷邀请”的通知方式', '免打扰时段', '通知频率'])
  assert.equal(saveError({ status: 422, fields: ['quiet_hours'] }, '填写的内容有误'), '免打扰时段有误，请检查后重试')
  assert.equal(saveError({ status: 403, fields: [] }, 'x'), '只能修改本企业的通知设置')
  assert.equal(saveError({ status: 503, fields: [] }, '服务暂时不可用，请稍后再试'), '服务暂时不可用，请稍后再试')
})
