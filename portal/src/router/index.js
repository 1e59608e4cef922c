// Three areas: public pages (sign-in, registration, a gift pack), the enterprise's halls and the staff
// workbench. Each area's pages are listed in routes/<area>.js; a page with `meta.menu` shows in its
// layout's navigation, `meta.roles` limits who may open it (the API checks again, always).
import { createRouter, createWebHistory } from 'vue-router'
import EnterpriseLayout from '../layouts/EnterpriseLayout.vue'
import StaffLayout from '../layouts/StaffLayout.vue'
import enterpriseRoutes from '../routes/enterprise.js'
import publicRoutes from '../routes/public.js'
import staffRoutes from '../routes/staff.js'
import { homeOf, loadSession, session } from '../session.js'

const SITE = '惠企政策平台'

const routes = [
  ...publicRoutes,
  {
    path: '/',
    component: EnterpriseLayout,
    meta: { area: 'enterprise' },
    children: [{ path: '', name: 'home', redirect: () => homeOf(session.account) }, ...enterpriseRoutes],
  },
  {
    path: '/staff',
    component: StaffLayout,
    meta: { area: 'staff' },
    children: staffRoutes,
  },
  { path: '/forbidden', name: 'forbidden', component: () => import('../views/NotFound.vue'), meta: { title: '无权访问', public: true } },
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('../views/NotFound.vue'), meta: { title: '页面不存在', public: true } },
]

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: (to, from, saved) => saved || { top: 0 },
})

router.beforeEach(async (to) => {
  if (!session.loaded) await loadSession()
  if (to.meta.public) return true
  const account = session.account
  if (!account) return { path: '/signin', query: { next: to.fullPath } }
  const area = to.matched[0]?.meta.area
  if (area === 'enterprise' && to.name !== 'home' && account.role !== 'enterprise') return homeOf(account)
  if (area === 'staff' && account.role === 'enterprise') return homeOf(account)
  const roles = to.matched.flatMap((record) => record.meta.roles || [])
  if (roles.length && !roles.includes(account.role)) return { name: 'forbidden' }
  return true
})

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} - ${SITE}` : SITE
})

// the pages of an area that its navigation lists, for the signed-in role
export function menuOf(areaRoutes, role) {
  return areaRoutes.filter((route) => route.meta?.menu && (!route.meta.roles || route.meta.roles.includes(role)))
}
