// node --test portal/tests/: the desk's alarm words and batch outcomes (portal/src/desk.js)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { alarmLink, alarmText, batchOutcome, refusalText } from '../src/desk.js'

test('each alarm says what is late and leads to it', () => {
  const overdue = { id: 1, kind: 'overdue', application_id: 42, stage: 'review' }
  assert.equal(alarmText(overdue), '申报 #42「部门审核」环节已超期')
  assert.equal(alarmLink(overdue), '/staff/applications/42')
  assert.match(alarmText({ ...overdue, kind: 'escalation' }), /升级/)
  const rectification = { id: 2, kind: 'rectification_overdue', rectification_id: 7 }
  assert.match(alarmText(rectification), /整改事项 #7/)
  assert.equal(alarmLink(rectification), '/staff/rectifications/7')
  const followUp = { id: 3, kind: 'follow_up_overdue', follow_up_id: 9 }
  assert.match(alarmText(followUp), /回访 #9/)
  assert.deepEqual(alarmLink(followUp), { path: '/staff/follow-ups', query: { id: '9' } })
  assert.equal(alarmText({ id: 4, kind: 'something_new' }), '预警 #4')
  assert.equal(alarmText({ id: 5, kind: 'problem_unanswered', problem_id: 12, stage: 2 }),
    '金融辅导问题 #12 超过 24 小时未答复')
})

test('a batch tells each application what became of it', () => {
  const answer = {
    action: 'accept', done: 1, refused: 2, results: [
      { id: 5, ok: true, status: 'review', amount: '1000.00' },
      { id: 6, ok: false, error: { code: 'conflict', message: 'the application is in stage review: cannot accept there; allowed in review: approve' } },
      { id: 7, ok: false, error: { code: 'forbidden', message: 'window_clerk may not accept' } },
    ],
  }
  const outcome = batchOutcome(answer, { 5: '稳岗补贴' })
  assert.equal(outcome.summary, '受理：成功 1 件，未成功 2 件')
  assert.deepEqual(outcome.rows.map((row) => [row.id, row.ok]), [[5, true], [6, false], [7, false]])
  assert.equal(outcome.rows[0].title, '稳岗补贴')
  assert.equal(outcome.rows[0].text, '已受理，现处于「部门审核」')
  assert.equal(outcome.rows[1].text, '当前环节不能进行此操作（当前环节：部门审核）')
  assert.equal(outcome.rows[2].text, '无权对该申报进行此操作')
})

test('refusals in Chinese are kept, others are put in Chinese', () => {
  assert.equal(refusalText({ code: 'conflict', message: '预算不足' }), '预算不足')
  assert.equal(refusalText({ code: 'conflict', message: 'approving 5000 exceeds the remaining budget' }), '超出政策剩余预算')
  assert.equal(refusalText(null), '未成功')
})
