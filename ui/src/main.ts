import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';

async function main(): Promise<void> {
  // Development in a plain browser answers with the fake back end; a production build never
  // contains it (Vite drops this branch).
  if (import.meta.env.DEV) {
    const { useFakeBackendOutsideTauri } = await import('./platform/dev');
    await useFakeBackendOutsideTauri();
  }
  const target = document.getElementById('app');
  if (!target) throw new Error('index.html has no #app element');
  mount(App, { target });
}

void main();
