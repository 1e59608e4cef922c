// node --test portal/tests/: the policy pages' conditions and subsidies in words
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  conditionGroups, conditionRow, describeRule, describeSubsidy, fieldValue, snippetParts, tagNamesOf,
} from '../src/conditions.js'

const NAMES = tagNamesOf({ tags: [{ code: 'scale.small', name: '小型企业' },
  { code: 'qualification.high_tech_enterprise', name: '高新技术企业' }, { code: 'interest.financing', name: '融资需求' }] })

test('a field condition reads as the field, the rule, the enterprise value and whether it held', () => {
  const row = conditionRow({ path: '$.all[1]', kind: 'field', subject: 'annual_revenue', op: '>=', expected: 20000000,
    actual: 33165771.05, held: true, negated: false }, NAMES)
  assert.deepEqual(row, { path: '$.all[1]', subject: '年营业收入', rule: '不低于 2,000.00 万元',
    value: '3,316.58 万元', held: true })
  const missing = conditionRow({ path: '$.all[2]', kind: 'field', subject: 'employees', op: '<', expected: 300,
    actual: null, held: false, negated: true }, NAMES)
  assert.equal(missing.rule, '不应小于 300 人')
  assert.equal(missing.value, '无此项数据')
  assert.equal(missing.held, false)
})

test('a tag condition names the tag in Chinese', () => {
  const row = conditionRow({ path: '$.all[0]', kind: 'tag', subject: 'scale.small', op: 'has', expected: true,
    actual: false, held: false, negated: false }, NAMES)
  assert.deepEqual([row.subject, row.rule, row.value, row.held], ['小型企业', '应具备此标签', '未具备', false])
  assert.equal(conditionRow({ kind: 'tag', subject: 'unknown.tag', actual: true, held: true }, NAMES).subject,
    'unknown.tag')
})

test('values of coded fields read by their names', () => {
  assert.equal(fieldValue('county', '371625'), '博兴县')
  assert.equal(fieldValue('qualifications', ['high_tech_enterprise', 'gazelle'], NAMES), '高新技术企业、gazelle')
  assert.equal(fieldValue('interests', [], NAMES), '无')
  assert.equal(fieldValue('rd_intensity', 0.0512), '5.12%')
  assert.equal(fieldValue('age_years', 5.416438356164384), '5.4 年')
  assert.equal(fieldValue('scale', 'small'), '小型企业')
  assert.equal(fieldValue('ownership', 'private'), '民营企业')
  assert.equal(fieldValue('industry_code', 'C171'), 'C171')
})

test('a rule node reads as a sentence, nested ones included', () => {
  assert.equal(describeRule({ field: 'qualifications', op: '==', value: 'high_tech_enterprise' }, NAMES),
    '资质认定包含 高新技术企业')
  assert.equal(describeRule({ any: [{ tag: 'scale.small' }, { field: 'employees', op: '>=', value: 100 }] }, NAMES),
    '满足其一：具备「小型企业」；从业人数不低于 100 人')
  assert.equal(describeRule({ not: { tag: 'scale.small' } }, NAMES), '不满足「具备「小型企业」」')
  assert.equal(describeRule({ all: [] }), '无条件')
})

test('each subsidy formula reads in words', () => {
  assert.equal(describeSubsidy(null), '以政策原文为准')
  assert.equal(describeSubsidy({ type: 'fixed', amount: 100000 }), '定额补贴 10.00 万元')
  assert.equal(describeSubsidy({ type: 'per_unit', field: 'employees', rate: 1000, cap: 500000 }),
    '按从业人数每人补贴 1,000.00 元，最高 50.00 万元')
  assert.equal(describeSubsidy({ type: 'ratio', field: 'rd_expense', rate: 0.1, cap: null }), '按研发费用的 10% 补贴')
  assert.equal(describeSubsidy({ type: 'ratio', field: 'rd_expense', rate: '0.125', cap: 1000000 }),
    '按研发费用的 12.5% 补贴，最高 100.00 万元')
})

test('a search snippet splits into the words found and the rest', () => {
  assert.deepEqual(snippetParts('支持【研发费用】加计扣除'), [
    { text: '支持', hit: false }, { text: '研发费用', hit: true }, { text: '加计扣除', hit: false }])
  assert.deepEqual(snippetParts(null), [])
})

test('leaves under an any read as alternatives, held when one of them is', () => {
  const leaf = (path, held, extra = {}) => ({ path, kind: 'tag', subject: 'scale.small', actual: held, held, negated: false, ...extra })
  const groups = conditionGroups([leaf('$.all[0]', true), leaf('$.all[1].any[0]', false), leaf('$.all[1].any[1]', true),
    leaf('$.all[2].not', false, { negated: true, actual: true })], NAMES)
  assert.deepEqual(groups.map((group) => [group.path, group.mode, group.held, group.rows.length]), [
    ['$.all[0]', null, true, 1], ['$.all[1]', 'any', true, 2], ['$.all[2]', 'not', false, 1]])
  const nested = conditionGroups([leaf('$.any[0].all[0]', true), leaf('$.any[0].all[1]', false), leaf('$.any[1]', false)])
  assert.deepEqual(nested.map((group) => [group.path, group.mode, group.held]), [['$', 'any', false]])
  assert.deepEqual(conditionGroups([leaf('$', true)]).map((group) => [group.mode, group.held]), [[null, true]])
})
