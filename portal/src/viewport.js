// Whether the screen is a phone's (the width at which styles.css switches to the phone layout), kept
// current as the window is resized or turned.
import { reactive } from 'vue'

const PHONE = '(max-width: 767px)'
const query = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(PHONE) : null

export const viewport = reactive({ phone: query ? query.matches : false })

if (query) query.addEventListener('change', (event) => { viewport.phone = event.matches })
