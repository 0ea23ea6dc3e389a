import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { guard, router } from './router'
import { useSessionStore } from './stores/session'
import { keepTableCellsLabelled } from './tableLabels'
import './style.css'

const app = createApp(App).use(createPinia())
router.beforeEach(guard(useSessionStore()))
app.use(router).mount('#app')
keepTableCellsLabelled(document.getElementById('app')!)
