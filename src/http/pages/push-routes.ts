import express, { Router, type RequestHandler } from 'express';
import type { AppDeps } from '../../deps.js';
import { deletePushSubscription, savePushSubscription } from '../../services/push.js';
import { sessionOf } from '../middleware/session.js';
import { jsonVerify } from '../../lib/safe-json.js';
import { ValidationError } from '../../lib/errors.js';

/**
 * Web Push on the pages: the web app manifest, the service worker, the small opt-in script of the
 * home page (progressive enhancement: the page works without it), and the subscription routes.
 */

export const MANIFEST = {
  name: 'stridesync',
  short_name: 'stridesync',
  description: 'Your running diary for kneecap pain: load, pain and cadence.',
  start_url: '/',
  scope: '/',
  display: 'standalone',
  background_color: '#ffffff',
  theme_color: '#1d4f91',
  icons: [{ src: '/assets/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
};

const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96"><rect width="96" height="96" rx="18" fill="#1d4f91"/><path d="M22 66c10-2 16-10 22-20s12-18 30-18" fill="none" stroke="#fff" stroke-width="8" stroke-linecap="round"/><circle cx="74" cy="28" r="7" fill="#fff"/></svg>`;

/** The service worker: shows a prompt's notification (one per prompt: the tag replaces it) and opens its answer page. */
export const SERVICE_WORKER = `'use strict';
self.addEventListener('push', (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { title: 'stridesync', body: event.data ? event.data.text() : '' }; }
  event.waitUntil(self.registration.showNotification(data.title || 'stridesync', {
    body: data.body || '',
    tag: data.tag || 'stridesync',
    renotify: data.event === 'pain_prompt.reminder',
    icon: '/assets/icon.svg',
    data: { url: data.url || '/' },
  }));
});
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || '/';
  event.waitUntil(self.clients.openWindow(url));
});
`;

/** The home page's opt-in: shown only when the browser supports push; subscribes on a click. */
export const PUSH_SCRIPT = `'use strict';
(function () {
  var box = document.getElementById('push');
  if (!box || !('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) return;
  var key = box.getAttribute('data-vapid-key');
  var csrf = box.getAttribute('data-csrf');
  var button = document.getElementById('push-enable');
  var status = document.getElementById('push-status');
  if (!key || !button) return;
  box.hidden = false;
  function b64(s) { s = s.replace(/-/g, '+').replace(/_/g, '/'); while (s.length % 4) s += '='; var r = atob(s), a = new Uint8Array(r.length); for (var i = 0; i < r.length; i++) a[i] = r.charCodeAt(i); return a; }
  button.addEventListener('click', function () {
    button.disabled = true;
    Notification.requestPermission().then(function (p) {
      if (p !== 'granted') throw new Error('Notifications are blocked for this site in your browser settings.');
      return navigator.serviceWorker.register('/sw.js', { scope: '/' });
    }).then(function (reg) {
      return reg.pushManager.getSubscription().then(function (s) { return s || reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64(key) }); });
    }).then(function (sub) {
      return fetch('/push/subscriptions', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify(sub) });
    }).then(function (res) {
      if (!res.ok) throw new Error('The server did not accept the subscription.');
      status.textContent = 'Notifications are on for this phone.';
    }).catch(function (err) {
      status.textContent = err.message;
      button.disabled = false;
    });
  });
})();
`;

export function pushRoutes(deps: AppDeps): { assets: Router; api: (page: RequestHandler[]) => Router } {
  const assets = Router();
  const asset = (path: string, type: string, body: string, cache: string) =>
    assets.get(path, (_req, res) => {
      res.setHeader('Content-Type', type);
      res.setHeader('Cache-Control', cache);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.send(body);
    });
  asset('/manifest.webmanifest', 'application/manifest+json; charset=utf-8', JSON.stringify(MANIFEST), 'public, max-age=3600');
  asset('/sw.js', 'text/javascript; charset=utf-8', SERVICE_WORKER, 'no-cache');
  asset('/assets/push.js', 'text/javascript; charset=utf-8', PUSH_SCRIPT, 'public, max-age=3600');
  asset('/assets/icon.svg', 'image/svg+xml', ICON, 'public, max-age=86400');

  const json = express.json({ limit: '8kb', verify: jsonVerify() });
  return {
    assets,
    api(page) {
      const r = Router();
      const [headers, , ...rest] = page;
      const chain = [headers!, json, ...rest];
      r.post('/push/subscriptions', ...chain, async (req, res) => {
        if (!deps.env.vapid) return void res.status(503).json({ error: { code: 'not_configured', message: 'Web Push is not configured on this server' } });
        const { id } = await savePushSubscription(deps, sessionOf(res)!.runnerId, req.body);
        res.status(201).json({ id });
      });
      // the same answer whether or not the runner had this endpoint: it says nothing about subscriptions
      r.post('/push/unsubscribe', ...chain, async (req, res) => {
        const endpoint: unknown = req.body?.endpoint;
        if (typeof endpoint !== 'string' || endpoint.length === 0 || endpoint.length > 2000)
          throw new ValidationError('body.endpoint: required (the subscription URL, at most 2000 characters)', { field: 'endpoint' });
        await deletePushSubscription(deps, sessionOf(res)!.runnerId, endpoint);
        res.status(204).end();
      });
      return r;
    },
  };
}
