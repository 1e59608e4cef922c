// node --test portal/tests/: the rule builder's conversion between rule JSON and its model (portal/src/rules.js)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  FIELDS, OPERATORS, describeRule, fromRule, newFieldCondition, newGroup, newTagCondition, operatorsFor,
  placeOfPath, problems, retarget, toRule,
} from '../src/rules.js'

const roundTrip = (rule) => assert.deepEqual(toRule(fromRule(rule)), rule, JSON.stringify(rule))

test('every operator on a field of each kind survives the round trip', () => {
  const values = { number: 10, date: '2024-01-01', string: 'C3011', codes: 'high_tech_enterprise' }
  for (const field of FIELDS) {
    for (const op of OPERATORS) {
      const one = field.choices ? Object.keys(field.choices)[0] : values[field.kind]
      const value = op === 'in' ? [one] : one
      const rule = { all: [{ field: field.name, op, value }] }
      roundTrip(rule)
      const row = fromRule(rule).children[0]
      assert.equal(row.kind, 'field', `${field.name} ${op} is a field row`)
      assert.equal(row.op, op)
    }
  }
})

test('tags with and without, groups of both kinds, nested and negated', () => {
  roundTrip({ tag: 'scale.small' })
  roundTrip({ not: { tag: 'ownership.individual_business' } })
  roundTrip({ any: [{ tag: 'qualification.little_giant' },
    { all: [{ tag: 'industry.c' }, { field: 'annual_revenue', op: '>=', value: 50000000 }] }] })
  roundTrip({ all: [{ not: { any: [{ tag: 'a.b' }, { field: 'employees', op: '<', value: 5 }] } }, { tag: 'c.d' }] })
  roundTrip({ not: { all: [{ tag: 'a.b' }] } })
  const model = fromRule({ all: [{ not: { tag: 'x.y' } }, { any: [] }] })
  assert.deepEqual(model.children[0], { kind: 'tag', tag: 'x.y', has: false })
  assert.equal(model.children[1].kind, 'group')
  assert.equal(model.children[1].mode, 'any')
})

test('the rules that match everyone keep their shape', () => {
  roundTrip({})
  roundTrip({ all: [] })
  roundTrip({ any: [] })
  assert.deepEqual(toRule(fromRule(undefined)), {})
  assert.deepEqual(fromRule({}).children, [])
})

test('what the builder cannot show is kept as JSON, not lost', () => {
  const odd = [
    { not: { field: 'employees', op: '>=', value: 10 } },
    { not: { not: { tag: 'a.b' } } },
    { field: 'no_such_field', op: '==', value: 1 },
    { field: 'employees', op: '~', value: 1 },
    { field: 'employees', op: '>=', value: true },
    { field: 'employees', op: 'in', value: [1, { x: 1 }] },
    { tag: 'a.b', extra: 1 },
    { all: 'not a list' },
    { something: 'else' },
    [1, 2],
    'text',
  ]
  for (const node of odd) {
    roundTrip({ all: [node, { tag: 'kept.too' }] })
    const row = fromRule({ all: [node] }).children[0]
    assert.equal(row.kind, 'raw', JSON.stringify(node))
  }
  roundTrip({ field: 'no_such_field', op: '==', value: 1 })
})

test('the model a person builds becomes the rule the platform reads', () => {
  const root = newGroup('all')
  root.children.push(newTagCondition('scale.small'))
  const tagNot = newTagCondition('ownership.state_owned')
  tagNot.has = false
  root.children.push(tagNot)
  const inner = newGroup('any')
  inner.children.push({ ...newFieldCondition('employees'), value: 10 })
  inner.children.push({ kind: 'field', field: 'county', op: 'in', value: ['371602', '371603'] })
  root.children.push(inner)
  assert.deepEqual(toRule(root), {
    all: [{ tag: 'scale.small' }, { not: { tag: 'ownership.state_owned' } },
      { any: [{ field: 'employees', op: '>=', value: 10 }, { field: 'county', op: 'in', value: ['371602', '371603'] }] }],
  })
  assert.deepEqual(problems(root), [])
})

test('adding to a bare rule makes it a group; emptying it makes it {} again', () => {
  const model = fromRule({ tag: 'a.b' })
  model.children.push(newTagCondition('c.d'))
  assert.deepEqual(toRule(model), { all: [{ tag: 'a.b' }, { tag: 'c.d' }] })
  model.children.splice(0, 2)
  assert.deepEqual(toRule(model), {})
  model.mode = 'any'
  model.children.push(newTagCondition('a.b'), newTagCondition('c.d'))
  assert.deepEqual(toRule(model), { any: [{ tag: 'a.b' }, { tag: 'c.d' }] })
})

test('problems name the row and the rule in Chinese', () => {
  const model = fromRule({ all: [{ tag: '' }, { any: [] },
    { field: 'employees', op: '>=', value: '' },
    { any: [{ field: 'registered_on', op: '<', value: '2024/01/01' }, { field: 'scale', op: '==', value: 'huge' }] },
    { field: 'county', op: 'in', value: [] }, { tag: 'gone.tag' }] })
  const found = problems(model, new Set(['a.b']))
  const places = found.map((item) => item.place)
  assert.deepEqual(places, ['1', '2', '3', '4.1', '4.2', '5', '6'])
  for (const item of found) assert.match(item.message, /[\u4e00-\u9fff]/)
  assert.match(found[2].message, /从业人员/)
  assert.match(found[6].message, /gone\.tag/)
})

test('a platform error path leads to the builder row', () => {
  const model = fromRule({ all: [{ tag: 'a.b' }, { any: [{ tag: 'c.d' }, { not: { all: [{ tag: 'x' }] } }] }] })
  assert.equal(placeOfPath(model, '$.all[1].any[1].not.all[0].tag'), '2.2.1')
  assert.equal(placeOfPath(model, '$'), '')
  assert.equal(placeOfPath(fromRule({ field: 'employees', op: '>=', value: 'x' }), '$.value'), '1')
})

test('changing a row keeps the value where it fits', () => {
  const row = { kind: 'field', field: 'employees', op: '>=', value: 50 }
  assert.deepEqual(retarget(row, 'employees', 'in'), { kind: 'field', field: 'employees', op: 'in', value: [50] })
  assert.deepEqual(retarget({ ...row, op: 'in', value: [5, 6] }, 'employees', '<'),
    { kind: 'field', field: 'employees', op: '<', value: 5 })
  const moved = retarget(row, 'qualifications', '>=')
  assert.equal(moved.op, '==')
  assert.equal(moved.value, '')
  assert.deepEqual(operatorsFor('qualifications').map((item) => item.value), ['==', '!=', 'in'])
  assert.ok(operatorsFor('scale').every((item) => !['>', '<'].includes(item.value)))
})

test('the rule in words', () => {
  const text = describeRule({ all: [{ tag: 'scale.small' }, { not: { tag: 'x.y' } },
    { field: 'scale', op: 'in', value: ['small', 'micro'] }] }, (code) => ({ 'scale.small': '小型企业' }[code] || code))
  assert.equal(text, '（具有「小型企业」，且 不具有「x.y」，且 企业规模为以下之一小型、微型）')
  assert.equal(describeRule({}), '所有企业')
})

test('a typed list becomes the values of an in-condition', async () => {
  const { listText, parseList } = await import('../src/rules.js')
  assert.deepEqual(parseList('10, 20、30，40', 'employees'), [10, 20, 30, 40])
  assert.deepEqual(parseList('C3011 C3012', 'industry_code'), ['C3011', 'C3012'])
  assert.deepEqual(parseList('10, abc', 'employees'), [10, 'abc'])
  assert.equal(listText(['a', 'b']), 'a, b')
  assert.equal(listText('x'), '')
  // a number typed in a list that is not a number stays text, so problems() can name it
  assert.match(problems(fromRule({ all: [{ field: 'employees', op: 'in', value: parseList('1, x', 'employees') }] }))[0].message, /数值/)
})
