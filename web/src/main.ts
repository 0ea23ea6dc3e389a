import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { keepTableCellsLabelled } from './tableLabels'
import './style.css'

createApp(App).use(createPinia()).mount('#app')
keepTableCellsLabelled(document.getElementById('app')!)
