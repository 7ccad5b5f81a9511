// `npm run dev` in a plain browser has no Rust side: answer with the fake back end there.
// main.ts imports this only in development builds, so it never ships in ui/dist/.

import { isTauri } from '@tauri-apps/api/core';

export async function useFakeBackendOutsideTauri(): Promise<void> {
  if (isTauri()) return;
  const { installFakeBackend } = await import('./fake-backend');
  installFakeBackend({ cardStepMs: 700, deviceMs: 600 });
  console.info('Ringup: no Tauri here, using the fake back end (PIN 1234 cashier, 9999 manager, 4711 technician, 2468 admin).');
}
