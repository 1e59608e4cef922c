// How the portal writes what the API answers, in Chinese: dates in China time, money in yuan, and the
// platform's codes (roles, stages, actions, levels, counties) by their Chinese names.
const CHINA = 'Asia/Shanghai'

export const ROLES = {
  city_admin: '市级管理员',
  department_staff: '部门工作人员',
  county_staff: '县区工作人员',
  window_clerk: '综合窗口受理员',
  assessor: '第三方评估人员',
  counsellor: '金融辅导员',
  enterprise: '企业',
  system: '外部系统',
}

export const STAGES = {
  confirmation: '待企业确认',
  acceptance: '窗口受理',
  routing: '分办',
  review: '部门审核',
  public_notice: '公示',
  objection: '异议处理',
  disbursement: '资金拨付',
  returned: '退回补正',
  completed: '已办结',
  rejected: '未通过',
}

export const ACTIONS = {
  submit: '提交申报',
  create: '平台发起（免申即享）',
  confirm: '确认',
  accept: '受理',
  return: '退回补正',
  resubmit: '重新提交',
  route: '分办',
  approve: '审核通过',
  reject: '不予通过',
  object: '提出异议',
  end_notice: '公示结束',
  disburse: '拨付',
  withdraw: '撤回',
}

export const LEVELS = { province: '省级', provincial: '省级', city: '市级', county: '县区级', national: '国家级' }

export const COUNTIES = {
  371602: '滨城区',
  371603: '沾化区',
  371621: '惠民县',
  371622: '阳信县',
  371623: '无棣县',
  371625: '博兴县',
  371681: '邹平市',
}

export function label(table, code) {
  return (code && table[code]) || code || '—'
}

const dateTime = new Intl.DateTimeFormat('zh-CN', {
  timeZone: CHINA, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
})
const dateOnly = new Intl.DateTimeFormat('zh-CN', { timeZone: CHINA, year: 'numeric', month: '2-digit', day: '2-digit' })

export function formatDateTime(value) {
  return value ? dateTime.format(new Date(value)) : '—'
}

export function formatDate(value) {
  if (!value) return '—'
  // a bare date (2026-12-31) is a calendar day, not an instant: no time zone shift
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value.replaceAll('-', '/')
  return dateOnly.format(new Date(value))
}

const yuan = new Intl.NumberFormat('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })

// amounts arrive as JSON numbers or decimal strings of yuan; 10000 and above read as 万元
export function formatMoney(value) {
  if (value === null || value === undefined || value === '') return '—'
  const amount = Number(value)
  if (!Number.isFinite(amount)) return String(value)
  if (Math.abs(amount) >= 10000) return `${yuan.format(amount / 10000)} 万元`
  return `${yuan.format(amount)} 元`
}

export function isOverdue(dueAt, now = new Date()) {
  return Boolean(dueAt) && new Date(dueAt) < now
}

// Profile fields and what the platform derives from them, by their Chinese names (an enterprise's file,
// a policy's conditions). `money`: yuan; `ratio`: a share shown as a percentage.
export const FIELDS = {
  name: '企业名称',
  uscc: '统一社会信用代码',
  registered_on: '成立日期',
  ownership: '所有制',
  industry_code: '行业代码',
  county: '所在区县',
  employees: '从业人数',
  annual_revenue: '年营业收入',
  total_assets: '资产总额',
  rd_expense: '研发费用',
  qualifications: '资质认定',
  interests: '政策需求',
  status: '经营状态',
  age_years: '成立年限',
  revenue_per_employee: '人均营业收入',
  rd_intensity: '研发投入强度',
  scale: '企业规模',
  industry_section: '行业门类',
  industry_division: '行业大类',
}

export const MONEY_FIELDS = new Set(['annual_revenue', 'total_assets', 'rd_expense', 'revenue_per_employee'])

export const OWNERSHIPS = {
  state_owned: '国有企业',
  collective: '集体企业',
  private: '民营企业',
  foreign_invested: '外商投资企业',
  hmt_invested: '港澳台投资企业',
  individual_business: '个体工商户',
}

export const SCALES = { large: '大型企业', medium: '中型企业', small: '小型企业', micro: '微型企业' }

export const ENTERPRISE_STATUSES = { active: '存续', deregistered: '已注销' }

// who sent a field of the enterprise's file
export const SOURCES = {
  'market-regulation': '市场监管部门',
  tax: '税务部门',
  'human-resources': '人力资源社会保障部门',
  'science-bureau': '科技部门',
  self: '企业自报',
}

// the inbox's notices
export const NOTICE_KINDS = {
  policy_matched: '政策推送',
  proactive_offer: '免申即享待确认',
  proactive_offer_withdrawn: '免申即享已撤回',
  application_returned: '申报退回补正',
  application_completed: '申报已办结',
  application_rejected: '申报未通过',
  survey: '问卷邀请',
}

// today's calendar day in China, as the API's dates are written (2026-12-06)
export function todayInChina(now = new Date()) {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: CHINA, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(now)
  return parts
}

// a policy's status (contract section 6)
export const POLICY_STATUSES = { draft: '草稿', published: '已发布', withdrawn: '已撤回', expired: '已过期' }

// what an alarm is about (GET /alarms: the application service's and the evaluation service's)
export const ALARM_KINDS = {
  overdue: '办理超期',
  escalation: '超期升级',
  follow_up_overdue: '差评回访超期',
  rectification_overdue: '整改超期',
  problem_unanswered: '问题未答复',
  question_overdue: '咨询超期未答复',
}

// a subsidy formula in words: 固定 10 万元 / 每人 1000 元，最高 50 万元 / 研发费用的 10%，最高 100 万元
export function formatSubsidy(subsidy, fieldLabel = (name) => name) {
  if (!subsidy) return '—'
  const cap = subsidy.cap ? `，最高 ${formatMoney(subsidy.cap)}` : ''
  if (subsidy.type === 'fixed') return `固定 ${formatMoney(subsidy.amount)}`
  if (subsidy.type === 'per_unit') return `按${fieldLabel(subsidy.field)}每单位 ${formatMoney(subsidy.rate)}${cap}`
  if (subsidy.type === 'ratio') return `${fieldLabel(subsidy.field)}的 ${Number(subsidy.rate) * 100}%${cap}`
  return JSON.stringify(subsidy)
}

// --- staff administration: states and kinds of tags, jobs, quarantine, evaluations, rectifications ---
export const TAG_STATES = { active: '启用', retired: '已停用' }

export const JOB_STATES = { queued: '排队中', running: '进行中', done: '已完成', failed: '失败' }

export const JOB_KINDS = { create: '新建标签', change: '修改标签', retire: '停用标签', daily: '每日更新' }

export const QUARANTINE_STATES = { waiting: '待处理', replayed: '已重放', discarded: '已丢弃' }

export const ROUND_STATUSES = { open: '进行中', closed: '已结束' }

export const FOLLOW_UP_STATUSES = { open: '待回访', closed: '已办结' }

export const RECTIFICATION_STATUSES = { issued: '已交办', in_progress: '整改中', completed: '待验收', verified: '已验收' }

export const RECTIFICATION_STEPS = { issue: '交办', progress: '报告进展', complete: '完成整改', verify: '验收通过', reopen: '退回重整' }

export const DIMENSIONS = {
  supply_match: '政策供给匹配度',
  push_coverage: '政策推送覆盖度',
  demand_enjoyment: '政策需求享受度',
  redemption_satisfaction: '政策兑现满意度',
  feedback_responsiveness: '政策反馈响应度',
}

export const EVALUATION_SOURCES = { platform: '平台数据', self: '部门自评', survey: '企业问卷', third_party: '第三方评估' }

export const UNIT_KINDS = { department: '部门', county: '县区', policy: '政策' }
