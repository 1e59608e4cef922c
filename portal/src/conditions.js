// A policy's conditions and subsidy in words for an enterprise: each condition of an explanation
// (GET /policies/{id}/explain/{uscc}) as a row "what, the rule, the enterprise's value, held", a rule
// node (a near-miss's condition) as a sentence, the subsidy formula as a sentence. Field and tag names
// are Chinese (FIELDS, and the catalogue's tag names passed in as `tagNames`: code -> name).
// Plain JavaScript, no Vue: portal/tests/conditions.test.js runs it with `node --test`.
import { COUNTIES, ENTERPRISE_STATUSES, FIELDS, MONEY_FIELDS, OWNERSHIPS, SCALES, formatMoney } from './format.js'

const OPERATORS = { '==': '为', '!=': '不为', '>': '大于', '>=': '不低于', '<': '小于', '<=': '不超过', in: '属于' }
const CODE_OPERATORS = { '==': '包含', '!=': '不包含', in: '包含任一' }
// list fields whose codes are tags of a catalogue category: qualifications -> qualification.<code>
const CODE_TAGS = { qualifications: 'qualification', interests: 'interest' }
const UNITS = { employees: '人', age_years: '年' }

export function fieldLabel(field) {
  return FIELDS[field] || field
}

export function tagLabel(code, tagNames = {}) {
  return tagNames[code] || code
}

function number(value, places) {
  const shown = Number(value).toFixed(places)
  return shown.includes('.') ? shown.replace(/\.?0+$/, '') : shown
}

// one value of a field as a person reads it; a missing value says so
export function fieldValue(field, value, tagNames = {}) {
  if (value === null || value === undefined || value === '') return '无此项数据'
  if (Array.isArray(value)) {
    if (!value.length) return '无'
    return value.map((item) => fieldValue(field, item, tagNames)).join('、')
  }
  if (typeof value === 'boolean') return value ? '是' : '否'
  if (CODE_TAGS[field]) return tagNames[`${CODE_TAGS[field]}.${value}`] || String(value)
  if (MONEY_FIELDS.has(field)) return formatMoney(value)
  if (field === 'rd_intensity') return `${number(Number(value) * 100, 2)}%`
  if (field === 'county') return COUNTIES[value] || String(value)
  if (field === 'ownership') return OWNERSHIPS[value] || String(value)
  if (field === 'scale') return SCALES[value] || String(value)
  if (field === 'status') return ENTERPRISE_STATUSES[value] || String(value)
  if (UNITS[field] && typeof value === 'number') return `${number(value, 1)} ${UNITS[field]}`
  return String(value)
}

function comparison(field, op, value, tagNames) {
  const listed = Boolean(CODE_TAGS[field])
  const operator = (listed ? CODE_OPERATORS : OPERATORS)[op] || op
  return `${operator} ${fieldValue(field, value, tagNames)}`
}

// One explanation condition as a row: {path, subject, rule, value, held}
export function conditionRow(condition, tagNames = {}) {
  if (condition.kind === 'tag') {
    return {
      path: condition.path,
      subject: tagLabel(condition.subject, tagNames),
      rule: condition.negated ? '不应具备此标签' : '应具备此标签',
      value: condition.actual ? '已具备' : '未具备',
      held: Boolean(condition.held),
    }
  }
  const rule = comparison(condition.subject, condition.op, condition.expected, tagNames)
  return {
    path: condition.path,
    subject: fieldLabel(condition.subject),
    rule: condition.negated ? `不应${rule}` : rule,
    value: fieldValue(condition.subject, condition.actual, tagNames),
    held: Boolean(condition.held),
  }
}

export function conditionRows(conditions, tagNames = {}) {
  return (conditions || []).map((condition) => conditionRow(condition, tagNames))
}

// A rule node (contract section 3) as a sentence: {tag}, {field, op, value}, {all}, {any}, {not}
export function describeRule(node, tagNames = {}) {
  if (!node || typeof node !== 'object') return ''
  if ('tag' in node) return `具备「${tagLabel(node.tag, tagNames)}」`
  if ('field' in node) return `${fieldLabel(node.field)}${comparison(node.field, node.op, node.value, tagNames)}`
  if ('not' in node) return `不满足「${describeRule(node.not, tagNames)}」`
  const parts = (node.all || node.any || []).map((child) => describeRule(child, tagNames))
  if (!parts.length) return node.all ? '无条件' : '无可满足的条件'
  if (parts.length === 1) return parts[0]
  return node.all ? `同时满足：${parts.join('；')}` : `满足其一：${parts.join('；')}`
}

// The subsidy formula in words (contract section 6), or what to read instead when there is none
export function describeSubsidy(subsidy) {
  if (!subsidy) return '以政策原文为准'
  const cap = subsidy.cap === null || subsidy.cap === undefined ? '' : `，最高 ${formatMoney(subsidy.cap)}`
  if (subsidy.type === 'fixed') return `定额补贴 ${formatMoney(subsidy.amount)}`
  if (subsidy.type === 'per_unit') {
    const unit = UNITS[subsidy.field] || '单位'
    const per = MONEY_FIELDS.has(subsidy.field) ? '每元' : `每${unit}`
    return `按${fieldLabel(subsidy.field)}${per}补贴 ${formatMoney(subsidy.rate)}${cap}`
  }
  if (subsidy.type === 'ratio') {
    return `按${fieldLabel(subsidy.field)}的 ${number(Number(subsidy.rate) * 100, 4)}% 补贴${cap}`
  }
  return '以政策原文为准'
}

// The catalogue (GET /tags) as code -> name
export function tagNamesOf(catalogue) {
  const names = {}
  for (const tag of catalogue?.tags || []) names[tag.code] = tag.name
  return names
}

// Search words shown in a snippet: "…【研发】费用…" -> [{text, hit}] (no HTML is built from it)
export function snippetParts(snippet) {
  const parts = []
  const pattern = /【([^】]*)】/g
  let last = 0
  let found
  while ((found = pattern.exec(snippet || '')) !== null) {
    if (found.index > last) parts.push({ text: snippet.slice(last, found.index), hit: false })
    parts.push({ text: found[1], hit: true })
    last = pattern.lastIndex
  }
  if (last < (snippet || '').length) parts.push({ text: snippet.slice(last), hit: false })
  return parts
}

// The leaves of an explanation gathered under the rule's top-level conditions (the members of a top-level
// `all`), so that leaves under an `any` read as alternatives: [{path, held, mode, rows}], `mode` null for a
// condition that is one leaf, else 'any' (满足其一), 'all' (同时满足) or 'not' (不得满足); `held` is the
// condition's own verdict, worked out from its leaves' values through the rule's shape in their paths.
const STEP = /\.(?:all|any)\[\d+\]|\.not/g

function stepsOf(path) {
  return (path || '$').slice(1).match(STEP) || []
}

function truth(leaves, depth) {
  if (leaves.length === 1 && leaves[0].steps.length === depth) return leaves[0].value
  const step = leaves[0].steps[depth]
  if (step === '.not') return !truth(leaves, depth + 1)
  const children = new Map()
  for (const leaf of leaves) {
    const key = leaf.steps[depth]
    if (!children.has(key)) children.set(key, [])
    children.get(key).push(leaf)
  }
  const values = [...children.values()].map((child) => truth(child, depth + 1))
  return step.startsWith('.all') ? values.every(Boolean) : values.some(Boolean)
}

export function conditionGroups(conditions, tagNames = {}) {
  const leaves = (conditions || []).map((condition) => ({
    steps: stepsOf(condition.path),
    value: Boolean(condition.held) !== Boolean(condition.negated),
    row: conditionRow(condition, tagNames),
  }))
  if (!leaves.length) return []
  const topAll = leaves.every((leaf) => leaf.steps[0]?.startsWith('.all'))
  const members = new Map()
  for (const leaf of leaves) {
    const key = topAll ? leaf.steps[0] : ''
    if (!members.has(key)) members.set(key, [])
    members.get(key).push(leaf)
  }
  const depth = topAll ? 1 : 0
  return [...members.entries()].map(([key, group]) => {
    const single = group.length === 1 && group[0].steps.length === depth
    const step = single ? null : group[0].steps[depth]
    const mode = single ? null : step === '.not' ? 'not' : step.startsWith('.all') ? 'all' : 'any'
    return { path: `$${key}`, held: single ? group[0].row.held : truth(group, depth), mode, rows: group.map((leaf) => leaf.row) }
  })
}
