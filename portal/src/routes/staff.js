// The staff workbench's pages, under StaffLayout (PC). Paths are relative to `/staff`.
// meta: title, menu (listed in the side menu, in this order), icon (a name StaffLayout's `icons` holds),
// roles (who may open it; the API checks again).

// The desk (工作台, 申报受理, 预警, 政策管理, 政策咨询): who may open each follows docs/access.md.
const CASEWORK = ['window_clerk', 'department_staff', 'county_staff', 'city_admin']
const POLICY_OWNERS = ['department_staff', 'county_staff', 'city_admin']
const QUESTION_READERS = ['department_staff', 'county_staff', 'city_admin', 'window_clerk', 'assessor']

const desk = [
  { path: '', name: 'staff-home', component: () => import('../views/staff/Workbench.vue'),
    meta: { title: '工作台', menu: true, icon: 'Odometer' } },
  { path: 'applications', name: 'staff-applications', component: () => import('../views/staff/ApplicationQueue.vue'),
    meta: { title: '申报受理', menu: true, icon: 'Tickets', roles: CASEWORK } },
  { path: 'applications/:id(\\d+)', name: 'staff-application', component: () => import('../views/staff/ApplicationDetail.vue'),
    meta: { title: '申报详情', roles: CASEWORK } },
  { path: 'alarms', name: 'staff-alarms', component: () => import('../views/staff/Alarms.vue'),
    meta: { title: '预警', menu: true, icon: 'Bell', roles: CASEWORK } },
  { path: 'policies', name: 'staff-policies', component: () => import('../views/staff/PolicyList.vue'),
    meta: { title: '政策管理', menu: true, icon: 'Document', roles: POLICY_OWNERS } },
  { path: 'policies/new', name: 'staff-policy-new', component: () => import('../views/staff/PolicyEditor.vue'),
    meta: { title: '新建政策', roles: POLICY_OWNERS } },
  { path: 'policies/:id(\\d+)', name: 'staff-policy', component: () => import('../views/staff/PolicyEditor.vue'),
    meta: { title: '编辑政策', roles: POLICY_OWNERS } },
  { path: 'questions', name: 'staff-questions', component: () => import('../views/staff/Questions.vue'),
    meta: { title: '政策咨询', menu: true, icon: 'Collection', roles: QUESTION_READERS } },
]

// roles per page, from the access table (docs/access.md): who may read what the page lists
const EVERY_STAFF = ['city_admin', 'department_staff', 'county_staff', 'window_clerk', 'assessor', 'counsellor']
const EVALUATION_READERS = ['city_admin', 'department_staff', 'county_staff', 'assessor']

// the administration pages: tags, quarantine, the three evaluations, rectifications, follow-ups, packs, accounts
const administration = [
  { path: 'tags', name: 'staff-tags', component: () => import('../views/admin/TagsPage.vue'),
    meta: { title: '标签管理', menu: true, icon: 'PriceTag', roles: ['city_admin'] } },
  { path: 'quarantine', name: 'staff-quarantine', component: () => import('../views/admin/QuarantinePage.vue'),
    meta: { title: '隔离区', menu: true, icon: 'Warning', roles: ['city_admin'] } },
  { path: 'evaluations', name: 'staff-evaluations', component: () => import('../views/admin/EvaluationsPage.vue'),
    meta: { title: '三评', menu: true, icon: 'DataAnalysis', roles: EVERY_STAFF } },
  { path: 'evaluations/:id', name: 'staff-evaluation', component: () => import('../views/admin/EvaluationPage.vue'),
    meta: { title: '三评详情', roles: EVERY_STAFF } },
  { path: 'rectifications', name: 'staff-rectifications', component: () => import('../views/admin/RectificationsPage.vue'),
    meta: { title: '整改', menu: true, icon: 'Finished', roles: EVALUATION_READERS } },
  { path: 'follow-ups', name: 'staff-follow-ups', component: () => import('../views/admin/FollowUpsPage.vue'),
    meta: { title: '差评回访', menu: true, icon: 'Tickets', roles: EVALUATION_READERS } },
  { path: 'packs', name: 'staff-packs', component: () => import('../views/admin/PacksPage.vue'),
    meta: { title: '政策大礼包', menu: true, icon: 'Present', roles: EVERY_STAFF } },
  { path: 'accounts', name: 'staff-accounts', component: () => import('../views/admin/AccountsPage.vue'),
    meta: { title: '账号管理', menu: true, icon: 'User', roles: ['city_admin'] } },
]

export default [...desk, ...administration]
