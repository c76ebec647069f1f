// Placeholder entry until the PWA lands: shows whether the sync server is reachable.
const el = document.getElementById('health');
fetch('/healthz')
  .then((r) => (r.ok ? 'up' : 'unhealthy'))
  .catch(() => 'unreachable')
  .then((s) => {
    if (el) el.textContent = s;
  });
