// node --test portal/tests/: the policy editor's form <-> API body, and refusals put on fields (portal/src/policyForm.js)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { draftOf, fieldsOf, reasonText, splitErrors } from '../src/policyForm.js'

const POLICY = {
  id: 3, title: '研发费用补助', department: 'science', department_name: '市科技局', level: 'county', county: '371625',
  summary: '补助研发', body: '全文', valid_from: '2026-01-01', valid_to: '2026-12-31', redeemable: true, proactive: true,
  subsidy: { type: 'ratio', field: 'rd_expense', rate: '0.1', cap: '1000000.00' }, budget: '5000000.00',
  exclusive_group: 'rd', materials: ['申请表', '审计报告'], stage_limits: { review: 3 }, status: 'draft',
  eligibility: { tag: 'scale.small' },
}

test('a policy read back into the form and sent again is the same policy', () => {
  const body = draftOf(fieldsOf(POLICY), POLICY.eligibility, POLICY)
  for (const key of ['title', 'department', 'level', 'county', 'summary', 'body', 'valid_from', 'valid_to',
    'redeemable', 'proactive', 'budget', 'exclusive_group', 'materials', 'stage_limits', 'eligibility']) {
    assert.deepEqual(body[key], POLICY[key], key)
  }
  assert.deepEqual(body.subsidy, POLICY.subsidy)
})

test('a new policy starts in the account\'s own unit and sends no redemption terms unless redeemable', () => {
  const fields = fieldsOf(null, { role: 'county_staff', county: '371602' })
  assert.equal(fields.level, 'county')
  assert.equal(fields.county, '371602')
  Object.assign(fields, { title: ' 稳岗 ', department: 'hrss', summary: '稳岗', valid_from: '2026-01-01', valid_to: '2026-06-30' })
  fields.proactive = true
  fields.materials = ['x']
  const body = draftOf(fields, {})
  assert.equal(body.title, '稳岗')
  assert.equal(body.proactive, false)
  assert.equal(body.subsidy, null)
  assert.deepEqual(body.materials, [])
  assert.equal('stage_limits' in body, false)
  const city = draftOf({ ...fieldsOf(null, { role: 'department_staff', department: 'hrss' }), title: 'a', summary: 'b' }, {})
  assert.equal(city.department, 'hrss')
  assert.equal('county' in city, false)
})

test('subsidies of each kind are sent as the API takes them', () => {
  const fields = fieldsOf(null)
  fields.redeemable = true
  fields.subsidy = { type: 'fixed', amount: '100000', field: 'employees', rate: '', cap: '' }
  assert.deepEqual(draftOf(fields, {}).subsidy, { type: 'fixed', amount: '100000' })
  fields.subsidy = { type: 'per_unit', amount: '', field: 'employees', rate: '1000', cap: '' }
  assert.deepEqual(draftOf(fields, {}).subsidy, { type: 'per_unit', field: 'employees', rate: '1000' })
})

test('refusals land on their fields and the rule, in Chinese', () => {
  const failure = {
    status: 422,
    details: [
      { field: 'title', message: 'String should have at least 1 character' },
      { field: '', message: 'Value error, valid_to must not be before valid_from' },
      { field: 'eligibility.all[1].tag', message: "unknown tag 'no.such'" },
      { field: 'something_else', message: 'odd' },
    ],
  }
  const { byField, rule, other } = splitErrors(failure)
  assert.equal(byField.title, '不能为空')
  assert.equal(byField.valid_to, '结束日期不能早于开始日期')
  assert.deepEqual(rule, [{ path: '$.all[1].tag', message: '标签「no.such」不在标签目录中' }])
  assert.equal(other, '填写有误（odd）')
  assert.equal(reasonText('已有中文原因'), '已有中文原因')
})
