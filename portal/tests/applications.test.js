// What the enterprise's application hall shows and allows, from what the API answers.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  applicablePolicies, dueState, enterpriseActions, firstUnanswered, followUpOf, historyEntries, lastReturn,
  nextActor, offersOf, pushChoices, ratingProblem, stageEntries, stageLabel,
} from '../src/applications.js'

const NOW = new Date('2026-12-07T02:00:00Z')
const hours = (count) => new Date(NOW.getTime() + count * 3600 * 1000).toISOString()

test('marks a due time overdue, soon (within a day) or normal, and a provisional one', () => {
  assert.equal(dueState({ stage: 'review', due_at: hours(-1), overdue: true }, NOW).kind, 'overdue')
  assert.equal(dueState({ stage: 'review', due_at: hours(-1), overdue: false }, NOW).text, '逾期')
  assert.equal(dueState({ stage: 'review', due_at: hours(23), overdue: false }, NOW).text, '临近')
  const later = dueState({ stage: 'review', due_at: hours(49), overdue: false, provisional: true }, NOW)
  assert.deepEqual(later, { kind: 'normal', text: '', provisional: true })
  assert.equal(dueState({ stage: 'confirmation', due_at: null }, NOW).text, '等待企业确认')
  assert.equal(dueState({ stage: 'returned', due_at: null }, NOW).text, '等待企业补正')
  assert.equal(dueState({ stage: 'completed', due_at: null }, NOW).kind, 'none')
})

test('reads who acts next in Chinese, and nobody once finished', () => {
  assert.equal(nextActor({ stage: 'acceptance', next: '一窗受理窗口 / the window clerk (window_clerk)' }), '一窗受理窗口')
  assert.equal(nextActor({ stage: 'completed', next: null }), '已办结')
  assert.equal(nextActor({ stage: 'review' }), '—')
  assert.equal(stageLabel('submitted'), '已提交')
  assert.equal(stageLabel('returned'), '退回补正')
})

test('puts offers awaiting confirmation apart and allows each stage its own action', () => {
  const items = [{ id: 1, stage: 'review' }, { id: 2, stage: 'confirmation' }, { id: 3, stage: 'completed' }]
  assert.deepEqual(offersOf(items).map((item) => item.id), [2])
  assert.deepEqual(enterpriseActions({ stage: 'confirmation' }), { confirm: true, resubmit: false, rate: false })
  assert.deepEqual(enterpriseActions({ stage: 'returned' }), { confirm: false, resubmit: true, rate: false })
  assert.deepEqual(enterpriseActions({ stage: 'rejected' }), { confirm: false, resubmit: false, rate: true })
  assert.deepEqual(enterpriseActions({ stage: 'review' }), { confirm: false, resubmit: false, rate: false })
})

test('shows the history with Chinese actions and actors, and the latest return', () => {
  const application = {
    history: [
      { action: 'submit', from: null, to: 'acceptance', actor: { role: 'enterprise', id: 'enterprise-6' }, at: hours(-5), comment: null, amount: null },
      { action: 'return', from: 'acceptance', to: 'returned', actor: { role: 'window_clerk', id: 'staff-3' }, at: hours(-4), comment: '缺营业执照', amount: null },
      { action: 'return', from: 'acceptance', to: 'returned', actor: { role: 'window_clerk', id: 'staff-3' }, at: hours(-2), comment: '发票不清晰', amount: null },
      { action: 'end_notice', from: 'public_notice', to: 'disbursement', actor: { role: 'system', id: 'system' }, at: hours(-1), comment: null, amount: null },
    ],
  }
  const entries = historyEntries(application)
  assert.deepEqual(entries.map((entry) => [entry.title, entry.actor, entry.tone]), [
    ['提交申报', '本企业', 'primary'], ['退回补正', '综合窗口受理员', 'warning'], ['退回补正', '综合窗口受理员', 'warning'],
    ['公示结束', '平台', 'primary']])
  assert.equal(lastReturn(application).comment, '发票不清晰')
  assert.equal(lastReturn({ history: [] }), null)
})

test('shows each stage with its due time, the current one marked and a near one flagged', () => {
  const entries = stageEntries({ timeline: [
    { stage: 'acceptance', entered_at: hours(-30), due_at: hours(-2), completed_at: hours(-3), actor: { role: 'window_clerk' }, overdue: false, provisional: false },
    { stage: 'review', entered_at: hours(-3), due_at: hours(5), completed_at: null, actor: null, overdue: false, provisional: true },
  ] }, NOW)
  assert.deepEqual(entries.map((entry) => [entry.stage, entry.current, entry.soon, entry.actor, entry.provisional]), [
    ['窗口受理', false, false, '综合窗口受理员', false], ['部门审核', true, true, '', true]])
  const rejected = stageEntries({ timeline: [
    { stage: 'review', entered_at: hours(-3), due_at: hours(-1), completed_at: hours(-2), overdue: false },
    { stage: 'rejected', entered_at: hours(-2), due_at: null, completed_at: null, overdue: false },
  ] }, NOW)
  assert.deepEqual(rejected.map((entry) => [entry.tone, entry.current]), [['success', false], ['danger', false]])
})

test('lists redeemable matches to apply for, with any open application and proactive ones last', () => {
  const matches = [
    { policy_id: 10, title: '稳岗返还', redeemable: true, proactive: true },
    { policy_id: 3, title: '技改奖补', redeemable: true, proactive: false },
    { policy_id: 22, title: '政府采购', redeemable: false, proactive: false },
    { policy_id: 5, title: '研发补助', redeemable: true, proactive: false, combinable: false, not_combinable_with: [7] },
  ]
  const applications = [{ id: 40, policy_id: 3, stage: 'review' }, { id: 41, policy_id: 5, stage: 'rejected' }]
  const listed = applicablePolicies(matches, applications)
  assert.deepEqual(listed.map((item) => [item.policy_id, item.openApplication, item.blockedBy]),
    [[3, 40, []], [5, null, [7]], [10, null, []]])
})

test('offers to rate each pushed policy once, with its current rating', () => {
  const notices = [
    { kind: 'policy_matched', policy_id: 3, title: '技改奖补', created_at: hours(-9) },
    { kind: 'proactive_offer', policy_id: 10, title: '免申即享：稳岗返还', created_at: hours(-8) },
    { kind: 'survey', policy_id: null, evaluation_id: 1, title: '问卷', created_at: hours(-7) },
    { kind: 'policy_matched', policy_id: 3, title: '技改奖补', created_at: hours(-6) },
  ]
  const matches = [{ policy_id: 3, title: '技改奖补', matched_at: hours(-9) }, { policy_id: 10, title: '稳岗返还', matched_at: hours(-8) }]
  const ratings = [{ subject: 'push', policy_id: 10, stars: 2 }, { subject: 'application', policy_id: 3, stars: 5 }]
  assert.deepEqual(pushChoices(notices, matches, ratings).map((choice) => [choice.policy_id, choice.title, choice.rated]),
    [[3, '技改奖补', null], [10, '稳岗返还', 2]])
})

test('reads a rating\'s follow-up, late when open past due', () => {
  assert.equal(followUpOf({ follow_up: null }), null)
  const open = followUpOf({ follow_up: { status: 'open', due_at: hours(-1), due_provisional: false, outcome: null, closed_at: null } }, NOW)
  assert.deepEqual([open.status, open.overdue, open.closed], ['待回访', true, false])
  const closed = followUpOf({ follow_up: { status: 'closed', due_at: hours(-1), due_provisional: false, outcome: '已电话回访', closed_at: hours(-2) } }, NOW)
  assert.deepEqual([closed.status, closed.overdue, closed.outcome], ['已回访', false, '已电话回访'])
})

test('checks a rating and a questionnaire\'s answers before sending', () => {
  assert.equal(ratingProblem(4, '好'), '')
  assert.match(ratingProblem(0, ''), /1 至 5 星/)
  assert.match(ratingProblem(4.5, ''), /1 至 5 星/)
  assert.match(ratingProblem(3, 'x'.repeat(1001)), /1000 字/)
  assert.equal(firstUnanswered([{}, {}], [5, 1]), 0)
  assert.equal(firstUnanswered([{}, {}, {}], [5, null, 3]), 2)
  assert.equal(firstUnanswered([{}], []), 1)
})
