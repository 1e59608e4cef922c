// The enterprise's pages, under EnterpriseLayout (PC and phone). Paths are relative to `/`.
// meta: title (the page's Chinese title), menu (listed in the navigation, in this order),
// badge: 'unread' (the inbox's unread count beside the menu entry).
export default [
  { path: 'policies', name: 'policy-hall', component: () => import('../views/enterprise/PolicyHall.vue'),
    meta: { title: '政策大厅', menu: true } },
  { path: 'policies/:id(\\d+)', name: 'policy-detail', component: () => import('../views/enterprise/PolicyDetail.vue'),
    meta: { title: '政策详情' } },
  { path: 'my-policies', name: 'my-policies', component: () => import('../views/enterprise/MyPolicies.vue'),
    meta: { title: '我的政策', menu: true } },
  // 申报大厅: applications, ratings and questionnaires
  { path: 'applications', name: 'application-hall', component: () => import('../views/enterprise/ApplicationHall.vue'),
    meta: { title: '申报大厅', menu: true } },
  { path: 'applications/new', name: 'apply', component: () => import('../views/enterprise/ApplyForm.vue'),
    meta: { title: '在线申报' } },
  { path: 'applications/:id(\\d+)', name: 'application', component: () => import('../views/enterprise/ApplicationDetail.vue'),
    meta: { title: '申报详情' } },
  { path: 'surveys/:evaluationId(\\d+)', name: 'survey', component: () => import('../views/enterprise/Survey.vue'),
    meta: { title: '问卷调查' } },
  { path: 'ratings', name: 'my-ratings', component: () => import('../views/enterprise/MyRatings.vue'),
    meta: { title: '我的评价', menu: true } },
  { path: 'messages', name: 'messages', component: () => import('../views/enterprise/Messages.vue'),
    meta: { title: '消息', menu: true, badge: 'unread' } },
  { path: 'profile', name: 'my-enterprise', component: () => import('../views/enterprise/MyEnterprise.vue'),
    meta: { title: '我的企业', menu: true } },
]
