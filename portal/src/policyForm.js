// The policy editor's form and the body of POST/PUT /api/v1/policies (contract section 6), both ways, and the
// platform's refusals of it put back on the form's fields in Chinese. Pure: tested by portal/tests/policyForm.test.js.

const EMPTY_SUBSIDY = { type: 'fixed', amount: '', field: 'employees', rate: '', cap: '' }

// the form's fields for a policy read from the API (null for a new one, scoped to the account's own unit)
export function fieldsOf(policy, account = null) {
  if (!policy) {
    const county = account?.role === 'county_staff'
    return {
      title: '', department: account?.department || '', level: county ? 'county' : 'city',
      county: county ? account.county : '', summary: '', body: '', valid_from: '', valid_to: '',
      redeemable: false, proactive: false, subsidy: { ...EMPTY_SUBSIDY }, budget: '', exclusive_group: '',
      materials: [],
    }
  }
  const subsidy = policy.subsidy || {}
  return {
    title: policy.title, department: policy.department, level: policy.level, county: policy.county || '',
    summary: policy.summary, body: policy.body || '', valid_from: policy.valid_from, valid_to: policy.valid_to,
    redeemable: policy.redeemable, proactive: policy.proactive,
    subsidy: {
      ...EMPTY_SUBSIDY, ...Object.fromEntries(Object.entries(subsidy).map(([key, value]) => [key, value === null ? '' : String(value)])),
      type: subsidy.type || 'fixed',
    },
    budget: policy.budget === null || policy.budget === undefined ? '' : String(policy.budget),
    exclusive_group: policy.exclusive_group || '', materials: [...(policy.materials || [])],
  }
}

const blankToNull = (value) => (value === '' || value === null || value === undefined ? null : value)

function subsidyOf(subsidy) {
  if (subsidy.type === 'fixed') return { type: 'fixed', amount: blankToNull(subsidy.amount) }
  const made = { type: subsidy.type, field: subsidy.field, rate: blankToNull(subsidy.rate) }
  if (blankToNull(subsidy.cap) !== null) made.cap = subsidy.cap
  return made
}

// The body the API takes. Amounts stay decimal strings of yuan (the platform keeps them to the fen);
// what the form does not edit (stage_limits, department_name) is carried over from the policy as it was.
export function draftOf(fields, eligibility, policy = null) {
  const body = {
    title: fields.title.trim(), department: fields.department, summary: fields.summary.trim(), body: fields.body,
    level: fields.level, eligibility, valid_from: fields.valid_from, valid_to: fields.valid_to,
    redeemable: fields.redeemable, proactive: fields.redeemable && fields.proactive,
    subsidy: fields.redeemable ? subsidyOf(fields.subsidy) : null,
    budget: fields.redeemable ? blankToNull(fields.budget) : null,
    exclusive_group: fields.redeemable ? blankToNull(fields.exclusive_group.trim()) : null,
    materials: fields.redeemable ? fields.materials.map((item) => item.trim()).filter(Boolean) : [],
  }
  if (fields.level === 'county') body.county = fields.county || null
  if (policy?.stage_limits && Object.keys(policy.stage_limits).length) body.stage_limits = policy.stage_limits
  return body
}

export const FIELD_LABELS = {
  title: '政策标题', department: '主管部门', summary: '摘要', body: '政策全文', level: '政策层级', county: '区县',
  valid_from: '开始日期', valid_to: '结束日期', redeemable: '可申报兑现', proactive: '免申即享', subsidy: '补贴方式',
  budget: '预算总额', exclusive_group: '互斥组', materials: '申报材料', stage_limits: '办理时限', eligibility: '申报条件',
}

// the platform's reasons (English, for developers) in words a person reads
const REASONS = [
  [/valid_to must not be before valid_from/, 'valid_to', '结束日期不能早于开始日期'],
  [/proactive policy .* must be redeemable/, 'proactive', '免申即享的政策必须可申报兑现'],
  [/redeemable policy needs a subsidy/, 'subsidy', '可申报兑现的政策需要设置补贴方式'],
  [/county-level policy needs county/, 'county', '县区级政策需要选择区县'],
  [/county is only for county-level/, 'county', '只有县区级政策才选择区县'],
  [/not in the register of departments/, 'department', '该部门不在部门名录中'],
  [/unknown tag '([^']+)'/, null, (match) => `标签「${match[1]}」不在标签目录中`],
  [/unknown field '([^']+)'/, null, (match) => `未知字段「${match[1]}」`],
  [/at least 1 character|at least 1 item|should not be empty|Field required|missing/i, null, '不能为空'],
  [/at most (\d+) items?/, null, (match) => `最多 ${match[1]} 项`],
  [/at most (\d+) characters?/, null, (match) => `最多 ${match[1]} 个字`],
  [/greater than 0/, null, '应大于 0'],
  [/valid (number|decimal)|Decimal input/i, null, '应为数字'],
  [/valid date|date/i, null, '日期格式应为 YYYY-MM-DD'],
]

export function reasonText(message) {
  for (const [pattern, , words] of REASONS) {
    const match = pattern.exec(message || '')
    if (match) return typeof words === 'function' ? words(match) : words
  }
  return /[\u4e00-\u9fff]/.test(message || '') ? message : `填写有误（${message}）`
}

function fieldOfReason(message) {
  const found = REASONS.find(([pattern, field]) => field && pattern.test(message || ''))
  return found ? found[1] : null
}

// A refusal (ApiError) split into messages per form field, the rule's problems ({path: "$.all[1]", message})
// and what belongs to no field.
export function splitErrors(failure) {
  const byField = {}
  const rule = []
  let other = ''
  const details = Array.isArray(failure?.details) ? failure.details : []
  for (const item of details) {
    const field = String(item.field || '').replace(/^body\./, '')
    if (field === 'eligibility' || field.startsWith('eligibility.') || field.startsWith('eligibility[')) {
      rule.push({ path: `$${field.slice('eligibility'.length)}`, message: reasonText(item.message) })
      continue
    }
    const top = field.split(/[.[]/)[0] || fieldOfReason(item.message)
    if (top && top in FIELD_LABELS) {
      byField[top] = byField[top] ? `${byField[top]}；${reasonText(item.message)}` : reasonText(item.message)
    } else {
      other = other ? `${other}；${reasonText(item.message)}` : reasonText(item.message)
    }
  }
  if (!details.length && failure?.message && failure.status === 422) {
    const field = fieldOfReason(failure.message)
    if (field) byField[field] = reasonText(failure.message)
    else other = reasonText(failure.message)
  }
  return { byField, rule, other }
}
