// The eligibility rule (contract section 3) as the policy editor's menu-style builder shows it, and back.
// Pure: no Vue, no API, so `node --test portal/tests/` checks it.
//
// Rule JSON:  {"tag": code} | {"field", "op", "value"} | {"all": [...]} | {"any": [...]} | {"not": {...}} | {}
// Builder model, one node per row:
//   { kind: 'group', mode: 'all' | 'any', negated: bool, children: [node...] }   满足以下全部/任一条件
//   { kind: 'tag', tag: code, has: bool }                                           具有/不具有 标签
//   { kind: 'field', field, op, value }                                             字段 运算符 值
//   { kind: 'raw', json }                                                           anything else, kept as JSON
// The root is always a group; `bare` on it remembers a rule that was not a group ({} or a single condition),
// so what was read is written back the same.

// The facts a rule may name: shared/facts.py, mirrored (tests/unit/test_portal_rule_fields.py keeps the
// two in step). kind: number, string, date (YYYY-MM-DD) or codes (a list: == has, != has not, in has any).
export const FIELDS = [
  { name: 'name', kind: 'string', label: '企业名称' },
  { name: 'registered_on', kind: 'date', label: '成立日期' },
  {
    name: 'ownership', kind: 'string', label: '所有制',
    choices: {
      state_owned: '国有', collective: '集体', private: '私营', foreign_invested: '外商投资',
      hmt_invested: '港澳台投资', individual_business: '个体工商户',
    },
  },
  { name: 'industry_code', kind: 'string', label: '行业代码' },
  {
    name: 'county', kind: 'string', label: '所在区县',
    choices: {
      371602: '滨城区', 371603: '沾化区', 371621: '惠民县', 371622: '阳信县', 371623: '无棣县', 371625: '博兴县',
      371681: '邹平市',
    },
  },
  { name: 'employees', kind: 'number', label: '从业人员' },
  { name: 'annual_revenue', kind: 'number', label: '营业收入（元）' },
  { name: 'total_assets', kind: 'number', label: '资产总额（元）' },
  { name: 'rd_expense', kind: 'number', label: '研发费用（元）' },
  { name: 'qualifications', kind: 'codes', label: '资质' },
  { name: 'interests', kind: 'codes', label: '政策需求' },
  { name: 'status', kind: 'string', label: '经营状态', choices: { active: '存续', deregistered: '注销' } },
  { name: 'age_years', kind: 'number', label: '成立年限（年）', derived: true },
  { name: 'revenue_per_employee', kind: 'number', label: '人均营业收入（元）', derived: true },
  { name: 'rd_intensity', kind: 'number', label: '研发投入强度（研发费用/营业收入）', derived: true },
  {
    name: 'scale', kind: 'string', label: '企业规模', derived: true,
    choices: { large: '大型', medium: '中型', small: '小型', micro: '微型' },
  },
  { name: 'industry_section', kind: 'string', label: '行业门类', derived: true },
  { name: 'industry_division', kind: 'string', label: '行业大类', derived: true },
]

const FIELD_BY_NAME = Object.fromEntries(FIELDS.map((field) => [field.name, field]))

export function fieldOf(name) {
  return FIELD_BY_NAME[name] || null
}

export const OPERATORS = ['==', '!=', '>', '>=', '<', '<=', 'in']
const ORDERING = new Set(['>', '>=', '<', '<='])

// the operators' words for each kind of field (a list of codes has no order)
const OPERATOR_WORDS = {
  number: { '==': '等于', '!=': '不等于', '>': '大于', '>=': '大于等于', '<': '小于', '<=': '小于等于', in: '为以下之一' },
  date: { '==': '为', '!=': '不为', '>': '晚于', '>=': '不早于', '<': '早于', '<=': '不晚于', in: '为以下之一' },
  string: { '==': '等于', '!=': '不等于', '>': '大于', '>=': '大于等于', '<': '小于', '<=': '小于等于', in: '为以下之一' },
  codes: { '==': '包含', '!=': '不包含', in: '包含以下任一' },
}

// the operators the menu offers for a field; an operator already in a rule is always offered too
export function operatorsFor(fieldName, current) {
  const field = fieldOf(fieldName)
  const kind = field ? field.kind : 'string'
  const ops = OPERATORS.filter((op) => op in OPERATOR_WORDS[kind])
    .filter((op) => !(kind === 'string' && field?.choices && ORDERING.has(op)))
  if (current && !ops.includes(current)) ops.push(current)
  return ops.map((op) => ({ value: op, label: operatorWord(fieldName, op) }))
}

export function operatorWord(fieldName, op) {
  const kind = fieldOf(fieldName)?.kind || 'string'
  return OPERATOR_WORDS[kind][op] || OPERATOR_WORDS.number[op] || op
}

// --- JSON -> model ---------------------------------------------------------------------------------------

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function keysOf(node) {
  return Object.keys(node).sort().join(',')
}

function isScalar(value) {
  return (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'string'
}

// a comparison the builder can show as a row: a known field, a known operator, a value of a plain kind
function isComparison(node) {
  if (keysOf(node) !== 'field,op,value') return false
  if (!fieldOf(node.field) || !OPERATORS.includes(node.op)) return false
  if (node.op === 'in') return Array.isArray(node.value) && node.value.every(isScalar)
  return isScalar(node.value)
}

function clone(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value))
}

function fromNode(node) {
  if (!isObject(node)) return { kind: 'raw', json: clone(node) }
  const keys = keysOf(node)
  if (keys === 'tag' && typeof node.tag === 'string') return { kind: 'tag', tag: node.tag, has: true }
  if (isComparison(node)) {
    return { kind: 'field', field: node.field, op: node.op, value: clone(node.value) }
  }
  if ((keys === 'all' || keys === 'any') && Array.isArray(node[keys])) {
    return { kind: 'group', mode: keys, negated: false, children: node[keys].map(fromNode) }
  }
  if (keys === 'not' && isObject(node.not)) {
    const inner = node.not
    const innerKeys = keysOf(inner)
    if (innerKeys === 'tag' && typeof inner.tag === 'string') return { kind: 'tag', tag: inner.tag, has: false }
    if ((innerKeys === 'all' || innerKeys === 'any') && Array.isArray(inner[innerKeys])) {
      return { kind: 'group', mode: innerKeys, negated: true, children: inner[innerKeys].map(fromNode) }
    }
  }
  return { kind: 'raw', json: clone(node) }
}

// The builder's model of a rule. Never throws: what the builder cannot show becomes a raw row.
export function fromRule(rule) {
  const json = rule === undefined || rule === null ? {} : rule
  if (isObject(json) && Object.keys(json).length === 0) {
    return { kind: 'group', mode: 'all', negated: false, children: [], bare: true }
  }
  const node = fromNode(json)
  if (node.kind === 'group' && !node.negated) return node
  return { kind: 'group', mode: 'all', negated: false, children: [node], bare: true }
}

// --- model -> JSON ---------------------------------------------------------------------------------------

function toNode(node) {
  switch (node.kind) {
    case 'tag':
      return node.has === false ? { not: { tag: node.tag } } : { tag: node.tag }
    case 'field':
      return { field: node.field, op: node.op, value: clone(node.value) }
    case 'group': {
      const group = { [node.mode]: node.children.map(toNode) }
      return node.negated ? { not: group } : group
    }
    case 'raw':
      return clone(node.json)
    default:
      throw new Error(`unknown builder node ${node.kind}`)
  }
}

// The rule JSON of a model. A root read from a bare rule is written back bare while it still is one.
export function toRule(model) {
  if (model.kind === 'group' && model.bare && !model.negated && model.mode === 'all') {
    if (model.children.length === 0) return {}
    if (model.children.length === 1) return toNode(model.children[0])
  }
  return toNode(model)
}

// --- building --------------------------------------------------------------------------------------------

export function newGroup(mode = 'all') {
  return { kind: 'group', mode, negated: false, children: [] }
}

export function newTagCondition(tag = '') {
  return { kind: 'tag', tag, has: true }
}

export function newFieldCondition(fieldName = 'employees') {
  const field = fieldOf(fieldName)
  return { kind: 'field', field: fieldName, op: field?.kind === 'codes' ? '==' : '>=', value: defaultValue(field, '>=') }
}

function defaultValue(field, op) {
  if (op === 'in') return []
  if (!field) return ''
  if (field.choices) return Object.keys(field.choices)[0]
  return field.kind === 'number' ? 0 : ''
}

// A field row after its field or operator changed: the value kept where it still fits, else a fresh one.
export function retarget(condition, fieldName, op) {
  const field = fieldOf(fieldName)
  const allowed = operatorsFor(fieldName).map((item) => item.value)
  const nextOp = allowed.includes(op) ? op : allowed[0]
  let value = condition.value
  const wasList = Array.isArray(value)
  if (nextOp === 'in' && !wasList) value = value === '' || value === null || value === undefined ? [] : [value]
  if (nextOp !== 'in' && wasList) value = value.length ? value[0] : defaultValue(field, nextOp)
  if (fieldName !== condition.field) value = defaultValue(field, nextOp)
  return { kind: 'field', field: fieldName, op: nextOp, value }
}

// --- checking and words ----------------------------------------------------------------------------------

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/

function valueProblem(field, value) {
  if (field.kind === 'number') {
    return typeof value === 'number' && Number.isFinite(value) ? null : `「${field.label}」需要填写数值`
  }
  if (typeof value !== 'string' || value === '') return `「${field.label}」需要填写取值`
  if (field.kind === 'date' && !ISO_DATE.test(value)) return `「${field.label}」需要日期（如 2024-01-01）`
  if (field.choices && !(value in field.choices)) return `「${value}」不是「${field.label}」的可选值`
  return null
}

// What keeps a model from being a rule the platform takes, in Chinese, each with where it is
// (`place`: 1-based row numbers down the tree, e.g. "2.1"). The platform checks again (422 with a path).
export function problems(model, knownTags = null) {
  const found = []
  const walk = (node, place) => {
    if (node.kind === 'group') {
      if (node !== model && node.children.length === 0) found.push({ place, message: '条件组中还没有条件' })
      node.children.forEach((child, index) => walk(child, place ? `${place}.${index + 1}` : `${index + 1}`))
      return
    }
    if (node.kind === 'tag') {
      if (!node.tag) found.push({ place, message: '请选择标签' })
      else if (knownTags && !knownTags.has(node.tag)) found.push({ place, message: `标签「${node.tag}」不在标签目录中` })
      return
    }
    if (node.kind === 'field') {
      const field = fieldOf(node.field)
      if (!field) { found.push({ place, message: `未知字段「${node.field}」` }); return }
      if (field.kind === 'codes' && ORDERING.has(node.op)) {
        found.push({ place, message: `「${field.label}」是代码列表，只能用包含、不包含或包含任一` })
      }
      if (node.op === 'in') {
        if (!Array.isArray(node.value) || node.value.length === 0) found.push({ place, message: `「${field.label}」至少填写一个取值` })
        else {
          const bad = node.value.map((item) => valueProblem(field, item)).find(Boolean)
          if (bad) found.push({ place, message: bad })
        }
      } else {
        const bad = valueProblem(field, node.value)
        if (bad) found.push({ place, message: bad })
      }
    }
  }
  walk(model, '')
  return found
}

// The builder row a platform error path names ($.all[1].any[0].value -> "2.1"), or '' for the root.
// A bare root has its one condition at "$" itself.
export function placeOfPath(model, path) {
  const steps = [...String(path || '').matchAll(/\.(all|any)\[(\d+)\]|\.not/g)]
  const places = []
  let node = model
  if (model.bare && model.children.length === 1) {
    node = model.children[0]
    places.push(1)
  }
  for (const step of steps) {
    if (!node) break
    if (step[0] === '.not') continue
    const index = Number(step[2])
    if (node.kind !== 'group' || !node.children[index]) break
    places.push(index + 1)
    node = node.children[index]
  }
  return places.join('.')
}

export function valueWords(fieldName, value) {
  const field = fieldOf(fieldName)
  const one = (item) => (field?.choices && item in field.choices ? field.choices[item] : String(item))
  return Array.isArray(value) ? value.map(one).join('、') : one(value)
}

// One line of Chinese for a rule (the read-only view beside the JSON). `tagName` turns a code into its name.
export function describeRule(rule, tagName = (code) => code) {
  const model = fromRule(rule)
  const say = (node) => {
    switch (node.kind) {
      case 'tag':
        return `${node.has === false ? '不具有' : '具有'}「${tagName(node.tag)}」`
      case 'field':
        return `${fieldOf(node.field)?.label || node.field}${operatorWord(node.field, node.op)}${valueWords(node.field, node.value)}`
      case 'raw':
        return JSON.stringify(node.json)
      case 'group': {
        if (node.children.length === 0) return node.negated ? '（不成立）' : '所有企业'
        const parts = node.children.map(say)
        const joined = parts.length === 1 ? parts[0] : `（${parts.join(node.mode === 'all' ? '，且 ' : '，或 ')}）`
        return node.negated ? `并非${joined}` : joined
      }
      default:
        return ''
    }
  }
  return say(model)
}

// An `in` list as a person types it ("10, 20、30") and back; numbers for a number field, text otherwise.
export function listText(value) {
  return Array.isArray(value) ? value.join(', ') : ''
}

export function parseList(text, fieldName) {
  const number = fieldOf(fieldName)?.kind === 'number'
  return String(text || '').split(/[,，、\s]+/).map((item) => item.trim()).filter(Boolean)
    .map((item) => (number && item !== '' && Number.isFinite(Number(item)) ? Number(item) : item))
}
