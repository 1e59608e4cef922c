// Pages anyone may open. Each page's component is loaded when first opened.
export default [
  { path: '/signin', name: 'signin', component: () => import('../views/SignIn.vue'), meta: { title: '登录', public: true } },
  { path: '/register', name: 'register', component: () => import('../views/Register.vue'), meta: { title: '企业注册', public: true } },
  // the page a gift pack's QR code opens (GET /packs/{code} in a browser answers the portal)
  { path: '/packs/:code', name: 'pack-page', component: () => import('../views/admin/PackPage.vue'), meta: { title: '政策大礼包', public: true } },
]
